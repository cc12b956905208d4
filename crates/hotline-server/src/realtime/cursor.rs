//! Cursors: opaque to clients, `<log id>.<position>` inside. The log id makes
//! a cursor from another database (a restored backup, a reset) recognisable.

use hotline_domain::{ErrorCode, EventPosition};
use hotline_store::EventBounds;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResyncReason {
    /// The cursor was minted by another database.
    ForeignCursor,
    /// The cursor points past the newest event.
    CursorFromFuture,
    /// The events after the cursor are no longer kept.
    CursorExpired,
}

impl ResyncReason {
    pub fn code(self) -> ErrorCode {
        match self {
            ResyncReason::ForeignCursor => ErrorCode::ForeignCursor,
            ResyncReason::CursorFromFuture => ErrorCode::CursorFromFuture,
            ResyncReason::CursorExpired => ErrorCode::CursorExpired,
        }
    }
    pub fn message(self) -> &'static str {
        match self {
            ResyncReason::ForeignCursor => {
                "the cursor belongs to another database; reload the conversations and continue from the cursor given"
            }
            ResyncReason::CursorFromFuture => {
                "the cursor is ahead of the server; reload the conversations and continue from the cursor given"
            }
            ResyncReason::CursorExpired => {
                "the events after this cursor are no longer kept; reload the conversations and continue from the cursor given"
            }
        }
    }
}

pub fn encode(log_id: &str, position: EventPosition) -> String {
    format!("{log_id}.{}", position.0)
}

/// A cursor that does not parse at all is a client bug: `None`.
pub fn decode(raw: &str) -> Option<(&str, EventPosition)> {
    let (log_id, position) = raw.split_once('.')?;
    let position = position.parse::<u64>().ok()?;
    (!log_id.is_empty()).then_some((log_id, EventPosition(position)))
}

/// Where a reader may resume from, or why it must resync.
pub fn check(
    log_id: &str,
    cursor_log: &str,
    position: EventPosition,
    bounds: EventBounds,
) -> Result<EventPosition, ResyncReason> {
    if cursor_log != log_id {
        Err(ResyncReason::ForeignCursor)
    } else if position > bounds.head {
        Err(ResyncReason::CursorFromFuture)
    } else if position.next() < bounds.oldest {
        Err(ResyncReason::CursorExpired)
    } else {
        Ok(position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_are_checked() {
        let c = encode("abc", EventPosition(42));
        assert_eq!(decode(&c), Some(("abc", EventPosition(42))));
        assert_eq!(decode("42"), None);
        assert_eq!(decode("abc.-1"), None);
        let bounds = EventBounds {
            oldest: EventPosition(10),
            head: EventPosition(50),
        };
        assert_eq!(
            check("abc", "abc", EventPosition(50), bounds),
            Ok(EventPosition(50))
        );
        assert_eq!(
            check("abc", "abc", EventPosition(9), bounds),
            Ok(EventPosition(9))
        );
        assert_eq!(
            check("abc", "abc", EventPosition(8), bounds),
            Err(ResyncReason::CursorExpired)
        );
        assert_eq!(
            check("abc", "abc", EventPosition(51), bounds),
            Err(ResyncReason::CursorFromFuture)
        );
        assert_eq!(
            check("abc", "xyz", EventPosition(5), bounds),
            Err(ResyncReason::ForeignCursor)
        );
    }
}
