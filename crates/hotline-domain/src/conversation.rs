//! The conversation lifecycle: `bot` → `queued` → `assigned` → `resolved`, and
//! back to `queued` when the customer writes again after a resolve.

use crate::Timestamp;
use crate::error::DomainError;
use crate::ids::{ConversationId, CustomerId, OperatorId};
use crate::principal::Principal;
use crate::routing::QueuePlace;
use crate::values::{DepartmentId, OrderId, TopicId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The answer bot is handling it; no human has been called yet.
    Bot,
    /// Waiting for an operator.
    Queued,
    /// An operator has it.
    Assigned,
    Resolved,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Bot => "bot",
            Status::Queued => "queued",
            Status::Assigned => "assigned",
            Status::Resolved => "resolved",
        }
    }
    pub fn parse(raw: &str) -> Option<Status> {
        match raw {
            "bot" => Some(Status::Bot),
            "queued" => Some(Status::Queued),
            "assigned" => Some(Status::Assigned),
            "resolved" => Some(Status::Resolved),
            _ => None,
        }
    }
    /// Where a new conversation starts: with the bot when the department has one.
    pub fn initial(department_has_bot: bool) -> Status {
        if department_has_bot {
            Status::Bot
        } else {
            Status::Queued
        }
    }
}

/// What the conversation is about (capability 3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    /// One of the customer's orders or bookings.
    Order { order_id: OrderId },
    /// A topic of the department (travel: miles, baggage, …).
    Topic { topic: TopicId },
    /// «Вопрос не по заказу».
    General,
}

impl Subject {
    pub fn from_parts(
        order_id: Option<OrderId>,
        topic: Option<TopicId>,
    ) -> Result<Subject, DomainError> {
        match (order_id, topic) {
            (Some(_), Some(_)) => Err(DomainError::AmbiguousSubject),
            (Some(order_id), None) => Ok(Subject::Order { order_id }),
            (None, Some(topic)) => Ok(Subject::Topic { topic }),
            (None, None) => Ok(Subject::General),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerRef {
    pub id: CustomerId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assignee {
    pub id: OperatorId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversation {
    pub id: ConversationId,
    pub department: DepartmentId,
    pub status: Status,
    pub subject: Subject,
    pub customer: CustomerRef,
    /// The operator who has it (or last had it, once resolved).
    pub assignee: Option<Assignee>,
    /// The `seq` of the newest message (as the reader counts, like
    /// [`Message::seq`]).
    pub last_seq: i64,
    /// The newest message customers see, counted among those only.
    pub last_public_seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    /// While queued: the place in the queue and the expected wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<QueuePlace>,
    /// The customer's rating, once they gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
}

/// A customer's rating of the help they got (CSAT), given once after the
/// conversation is resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rating {
    /// 1 (bad) to 5 (excellent).
    pub score: u8,
    /// In the customer's words, masked like any message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub rated_at: Timestamp,
}

/// How long after its resolution a conversation may still be rated.
pub const RATING_WINDOW: time::Duration = time::Duration::days(7);
/// The longest rating comment, in characters.
pub const MAX_RATING_COMMENT_CHARS: usize = 2000;

/// A change of status asked for through the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LifecycleAction {
    /// «Позвать оператора»: hand the conversation to the human queue.
    Handoff,
    /// The acting operator takes the conversation.
    Take,
    /// A supervisor gives the conversation to an operator (already checked to
    /// serve the conversation's department).
    AssignTo(Assignee),
    Resolve,
    Reopen,
}

impl LifecycleAction {
    fn verb(&self) -> &'static str {
        match self {
            LifecycleAction::Handoff => "hand off",
            LifecycleAction::Take => "take",
            LifecycleAction::AssignTo(_) => "assign",
            LifecycleAction::Resolve => "resolve",
            LifecycleAction::Reopen => "reopen",
        }
    }
}

impl Conversation {
    /// Its customer rates it: once, after it is resolved, and within
    /// [`RATING_WINDOW`] of the resolution (a resolved conversation's last
    /// change). A refused rating changes nothing.
    pub fn rate(
        &mut self,
        score: i64,
        comment: Option<String>,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let score = u8::try_from(score)
            .ok()
            .filter(|s| (1..=5).contains(s))
            .ok_or(DomainError::OutOfRange {
                field: "score",
                min: 1,
                max: 5,
            })?;
        let comment = comment
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        if let Some(len) = comment.as_ref().map(|c| c.chars().count())
            && len > MAX_RATING_COMMENT_CHARS
        {
            return Err(DomainError::TooLong {
                field: "comment",
                len,
                max: MAX_RATING_COMMENT_CHARS,
            });
        }
        if self.rating.is_some() {
            return Err(DomainError::AlreadyRated);
        }
        if self.status != Status::Resolved {
            return Err(DomainError::InvalidTransition {
                action: "rate",
                status: self.status.as_str(),
            });
        }
        if now - self.updated_at > RATING_WINDOW {
            return Err(DomainError::RatingClosed {
                days: RATING_WINDOW.whole_days(),
            });
        }
        self.rating = Some(Rating {
            score,
            comment,
            rated_at: now,
        });
        self.updated_at = now;
        Ok(())
    }

    /// The operator it counts against: its assignee while it is assigned.
    pub fn holder(&self) -> Option<&OperatorId> {
        (self.status == Status::Assigned)
            .then_some(self.assignee.as_ref())
            .flatten()
            .map(|a| &a.id)
    }

    /// The conversation as `reader` sees it: customers count only the
    /// messages they see.
    pub fn seen_by(mut self, reader: &Principal) -> Conversation {
        if reader.is_customer() {
            self.last_seq = self.last_public_seq;
        }
        self
    }

    /// Advances the counters for a new message; returns its `(seq,
    /// public_seq)`.
    pub fn next_positions(&mut self, internal: bool) -> (i64, Option<i64>) {
        self.last_seq += 1;
        if internal {
            (self.last_seq, None)
        } else {
            self.last_public_seq += 1;
            (self.last_seq, Some(self.last_public_seq))
        }
    }

    /// Moves the conversation to `department` with its whole history, by
    /// `actor` (already known to have access; only operators transfer). One
    /// that had a person's attention waits in the new department's queue;
    /// the bot keeps one it is handling. Returns whether anything changed.
    pub fn transfer(
        &mut self,
        department: DepartmentId,
        actor: &Principal,
    ) -> Result<bool, DomainError> {
        if !matches!(actor, Principal::Operator(_)) {
            return Err(DomainError::Forbidden { needed: "operator" });
        }
        if self.department == department {
            return Ok(false);
        }
        match self.status {
            Status::Resolved => {
                return Err(DomainError::InvalidTransition {
                    action: "transfer",
                    status: "resolved",
                });
            }
            Status::Assigned | Status::Queued => {
                self.status = Status::Queued;
                self.assignee = None;
            }
            Status::Bot => {}
        }
        self.department = department;
        Ok(true)
    }

    /// Applies a lifecycle action by `actor`, who is already known to have
    /// access. Returns whether anything changed: repeating an action that is
    /// already in effect is not an error, so clients may retry.
    pub fn apply(
        &mut self,
        action: LifecycleAction,
        actor: &Principal,
    ) -> Result<bool, DomainError> {
        let invalid = |action: &LifecycleAction, status: Status| DomainError::InvalidTransition {
            action: action.verb(),
            status: status.as_str(),
        };
        match (&action, self.status) {
            (LifecycleAction::Handoff, Status::Bot | Status::Resolved) => {
                self.status = Status::Queued;
                self.assignee = None;
                Ok(true)
            }
            (LifecycleAction::Handoff, Status::Queued | Status::Assigned) => Ok(false),
            (LifecycleAction::Take | LifecycleAction::AssignTo(_), Status::Resolved) => {
                Err(invalid(&action, self.status))
            }
            (LifecycleAction::Take, _) => {
                let Principal::Operator(op) = actor else {
                    return Err(DomainError::Forbidden { needed: "operator" });
                };
                let me = Assignee {
                    id: op.id.clone(),
                    name: op.name.clone(),
                };
                match &self.assignee {
                    Some(current) if self.status == Status::Assigned && current.id == me.id => {
                        Ok(false)
                    }
                    Some(_) if self.status == Status::Assigned && !op.role.may_assign_others() => {
                        Err(DomainError::AlreadyAssigned)
                    }
                    _ => {
                        self.status = Status::Assigned;
                        self.assignee = Some(me);
                        Ok(true)
                    }
                }
            }
            (LifecycleAction::AssignTo(target), _) => {
                match actor {
                    Principal::Operator(op) if op.role.may_assign_others() => {}
                    _ => {
                        return Err(DomainError::Forbidden {
                            needed: "supervisor",
                        });
                    }
                }
                if self.status == Status::Assigned && self.assignee.as_ref() == Some(target) {
                    return Ok(false);
                }
                self.status = Status::Assigned;
                self.assignee = Some(target.clone());
                Ok(true)
            }
            (LifecycleAction::Resolve, Status::Resolved) => Ok(false),
            (LifecycleAction::Resolve, _) => {
                self.status = Status::Resolved;
                Ok(true)
            }
            (LifecycleAction::Reopen, Status::Resolved) => {
                self.status = Status::Queued;
                self.assignee = None;
                Ok(true)
            }
            (LifecycleAction::Reopen, _) => Err(invalid(&action, self.status)),
        }
    }

    /// The effect of a new message on the lifecycle; returns whether the
    /// conversation changed. A customer writing after a resolve goes back to
    /// the queue; an operator's public reply to an unassigned conversation
    /// takes it.
    pub fn on_message(&mut self, author: &Principal, internal: bool) -> Result<bool, DomainError> {
        match author {
            Principal::Customer(_) if internal => Err(DomainError::InternalNoteByCustomer),
            Principal::Customer(_) if self.status == Status::Resolved => {
                self.status = Status::Queued;
                self.assignee = None;
                Ok(true)
            }
            Principal::Customer(_) => Ok(false),
            Principal::Operator(_) if internal => Ok(false),
            Principal::Operator(_) if matches!(self.status, Status::Bot | Status::Queued) => {
                self.apply(LifecycleAction::Take, author)
            }
            Principal::Operator(_) => Ok(false),
        }
    }

    /// The answer bot speaks only while the conversation is with it: once a
    /// human has been called, or the matter is resolved, it keeps quiet.
    pub fn bot_may_post(&self) -> bool {
        self.status == Status::Bot
    }

    /// The effect of a bot's message on the lifecycle, refused where
    /// [`bot_may_post`](Self::bot_may_post) says no: none, or, for an answer
    /// that settles the matter (`resolves`: the press gets the press office's
    /// address), resolved — nothing waits in a queue, and the customer can
    /// still call an operator. Returns whether the status changed.
    pub fn on_bot_message(&mut self, resolves: bool) -> Result<bool, DomainError> {
        if !self.bot_may_post() {
            return Err(DomainError::InvalidTransition {
                action: "answer by the bot in",
                status: self.status.as_str(),
            });
        }
        if resolves {
            self.status = Status::Resolved;
            self.assignee = None;
        }
        Ok(resolves)
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::fixtures::{conversation, customer, operator};
    use crate::principal::Role;

    #[test]
    fn a_rating_comes_once_within_seven_days_of_the_resolution() {
        let mut c = conversation(Status::Resolved);
        let resolved_at = c.updated_at;
        let late = resolved_at + RATING_WINDOW + time::Duration::seconds(1);
        assert_eq!(
            c.clone().rate(5, None, late),
            Err(DomainError::RatingClosed { days: 7 })
        );
        let mut open = conversation(Status::Assigned);
        assert!(matches!(
            open.rate(5, None, resolved_at),
            Err(DomainError::InvalidTransition { .. })
        ));
        let in_time = resolved_at + RATING_WINDOW;
        assert_eq!(c.rate(5, Some("   ".into()), in_time), Ok(()));
        assert_eq!(
            c.rating.as_ref().map(|r| (r.score, r.comment.clone())),
            Some((5, None))
        );
        let before = c.clone();
        assert_eq!(c.rate(1, None, in_time), Err(DomainError::AlreadyRated));
        assert_eq!(c, before);
    }

    #[test]
    fn a_transfer_requeues_what_a_person_handled() {
        let operator = operator("o1", Role::Operator);
        let bank = DepartmentId::from_static("bank");
        let mut assigned = conversation(Status::Queued);
        assert!(assigned.apply(LifecycleAction::Take, &operator).unwrap());
        assert!(assigned.transfer(bank.clone(), &operator).unwrap());
        assert_eq!(
            (assigned.status, &assigned.assignee, &assigned.department),
            (Status::Queued, &None, &bank)
        );
        assert!(!assigned.transfer(bank.clone(), &operator).unwrap());
        let mut with_bot = conversation(Status::Bot);
        assert!(with_bot.transfer(bank.clone(), &operator).unwrap());
        assert_eq!(with_bot.status, Status::Bot);
        assert!(matches!(
            conversation(Status::Queued).transfer(bank.clone(), &customer()),
            Err(DomainError::Forbidden { .. })
        ));
        assert!(matches!(
            conversation(Status::Resolved).transfer(bank, &operator),
            Err(DomainError::InvalidTransition { .. })
        ));
    }

    #[test]
    fn full_lifecycle() {
        let mut c = conversation(Status::Bot);
        assert!(c.apply(LifecycleAction::Handoff, &customer()).unwrap());
        assert_eq!(c.status, Status::Queued);
        assert!(
            !c.apply(LifecycleAction::Handoff, &customer()).unwrap(),
            "a repeated handoff changes nothing"
        );
        assert!(
            c.apply(LifecycleAction::Take, &operator("o1", Role::Operator))
                .unwrap()
        );
        assert_eq!(c.status, Status::Assigned);
        assert_eq!(c.assignee.as_ref().unwrap().id.as_str(), "o1");
        assert!(
            c.apply(LifecycleAction::Resolve, &operator("o1", Role::Operator))
                .unwrap()
        );
        assert_eq!(c.status, Status::Resolved);
        assert!(c.on_message(&customer(), false).unwrap());
        assert_eq!((c.status, c.assignee.is_none()), (Status::Queued, true));
    }

    #[test]
    fn operators_cannot_steal_but_supervisors_can_reassign() {
        let mut c = conversation(Status::Queued);
        c.apply(LifecycleAction::Take, &operator("o1", Role::Operator))
            .unwrap();
        assert_eq!(
            c.apply(LifecycleAction::Take, &operator("o2", Role::Operator)),
            Err(DomainError::AlreadyAssigned)
        );
        let target = Assignee {
            id: OperatorId::from_raw("o3"),
            name: "O3".into(),
        };
        assert_eq!(
            c.apply(
                LifecycleAction::AssignTo(target.clone()),
                &operator("o2", Role::Operator)
            ),
            Err(DomainError::Forbidden {
                needed: "supervisor"
            })
        );
        assert!(
            c.apply(
                LifecycleAction::AssignTo(target),
                &operator("s", Role::Supervisor)
            )
            .unwrap()
        );
        assert_eq!(c.assignee.as_ref().unwrap().id.as_str(), "o3");
    }

    #[test]
    fn invalid_transitions_are_refused() {
        let mut c = conversation(Status::Queued);
        assert_eq!(
            c.apply(LifecycleAction::Reopen, &customer())
                .unwrap_err()
                .code()
                .as_str(),
            "invalid_transition"
        );
        assert_eq!(
            c.apply(LifecycleAction::Take, &customer())
                .unwrap_err()
                .code()
                .as_str(),
            "forbidden"
        );
        c.status = Status::Resolved;
        assert_eq!(
            c.apply(LifecycleAction::Take, &operator("o1", Role::Operator))
                .unwrap_err()
                .code()
                .as_str(),
            "invalid_transition"
        );
        assert!(
            c.apply(LifecycleAction::Reopen, &operator("o1", Role::Operator))
                .unwrap()
        );
        assert_eq!(c.status, Status::Queued);
    }

    #[test]
    fn messages_move_the_lifecycle() {
        let mut c = conversation(Status::Queued);
        assert_eq!(
            c.on_message(&customer(), true),
            Err(DomainError::InternalNoteByCustomer)
        );
        assert!(
            !c.on_message(&operator("o1", Role::Operator), true).unwrap(),
            "a note takes nothing"
        );
        assert!(
            c.on_message(&operator("o1", Role::Operator), false)
                .unwrap(),
            "a reply takes it"
        );
        assert_eq!(c.status, Status::Assigned);
        assert!(
            !c.on_message(&operator("o2", Role::Operator), false)
                .unwrap()
        );
        assert_eq!(c.assignee.as_ref().unwrap().id.as_str(), "o1");
    }

    #[test]
    fn an_answer_that_settles_the_matter_resolves_and_the_customer_may_still_call_an_operator() {
        let mut c = conversation(Status::Bot);
        assert_eq!(c.on_bot_message(true), Ok(true));
        assert_eq!(c.status, Status::Resolved);
        assert_eq!(c.apply(LifecycleAction::Handoff, &customer()), Ok(true));
        assert_eq!(c.status, Status::Queued);
    }

    #[test]
    fn the_bot_posts_only_while_it_has_the_conversation() {
        let mut c = conversation(Status::Bot);
        assert!(c.bot_may_post());
        assert_eq!(c.on_bot_message(false), Ok(false));
        assert_eq!(c.status, Status::Bot);
        for status in [Status::Queued, Status::Assigned, Status::Resolved] {
            let mut c = conversation(status);
            assert!(!c.bot_may_post(), "{status:?}");
            assert_eq!(
                c.on_bot_message(true),
                Err(DomainError::InvalidTransition {
                    action: "answer by the bot in",
                    status: status.as_str(),
                })
            );
        }
    }

    #[test]
    fn subject_is_one_thing() {
        let order = OrderId::parse("A-1".into()).unwrap();
        let topic = TopicId::parse("miles".into()).unwrap();
        assert_eq!(
            Subject::from_parts(Some(order), Some(topic)),
            Err(DomainError::AmbiguousSubject)
        );
        assert_eq!(Subject::from_parts(None, None), Ok(Subject::General));
        let json = serde_json::to_value(Subject::Topic {
            topic: TopicId::parse("miles".into()).unwrap(),
        })
        .unwrap();
        assert_eq!(json, serde_json::json!({"kind": "topic", "topic": "miles"}));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::fixtures::{customer, operator};
    use crate::principal::Role;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Step {
        Action(LifecycleAction),
        Message { internal: bool },
    }

    fn actor() -> impl Strategy<Value = Principal> {
        prop_oneof![
            Just(customer()),
            Just(operator("o1", Role::Operator)),
            Just(operator("o2", Role::Operator)),
            Just(operator("s1", Role::Supervisor)),
        ]
    }

    fn step() -> impl Strategy<Value = Step> {
        let target = Assignee {
            id: OperatorId::from_raw("o2"),
            name: "O2".into(),
        };
        prop_oneof![
            Just(Step::Action(LifecycleAction::Handoff)),
            Just(Step::Action(LifecycleAction::Take)),
            Just(Step::Action(LifecycleAction::AssignTo(target))),
            Just(Step::Action(LifecycleAction::Resolve)),
            Just(Step::Action(LifecycleAction::Reopen)),
            any::<bool>().prop_map(|internal| Step::Message { internal }),
        ]
    }

    proptest! {
        /// Whatever anyone does, in any order: an assigned conversation has
        /// an assignee, a queued one has none, the bot is never re-entered,
        /// and a refused or no-op step changes nothing.
        #[test]
        fn lifecycle_invariants_hold(
            starts_with_bot in any::<bool>(),
            steps in proptest::collection::vec((actor(), step()), 0..40),
        ) {
            let now = time::OffsetDateTime::UNIX_EPOCH;
            let mut c = Conversation {
                id: ConversationId::from_raw("c"),
                department: DepartmentId::from_static("travel"),
                status: Status::initial(starts_with_bot),
                subject: Subject::General,
                customer: CustomerRef { id: CustomerId::from_raw("c1"), name: "Анна".into() },
                assignee: None,
                last_seq: 1,
                last_public_seq: 1,
                created_at: now,
                updated_at: now,
                queue: None,
                rating: None,
            };
            for (who, step) in steps {
                let before = c.clone();
                let outcome = match step {
                    Step::Action(action) => c.apply(action, &who),
                    Step::Message { internal } => c.on_message(&who, internal),
                };
                match outcome {
                    Ok(true) => prop_assert_ne!(&c, &before),
                    Ok(false) | Err(_) => prop_assert_eq!(&c, &before),
                }
                match c.status {
                    Status::Assigned => prop_assert!(c.assignee.is_some()),
                    Status::Queued => prop_assert!(c.assignee.is_none()),
                    Status::Bot => prop_assert_eq!(before.status, Status::Bot),
                    Status::Resolved => {}
                }
            }
        }
    }
}
