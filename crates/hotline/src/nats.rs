//! Wake-ups between nodes over core NATS: after a commit a node publishes
//! its newest position, and every node that hears one reads the log at once
//! instead of at its next one-second tick. Only a hint: the log is the
//! truth, and a node that misses hints (NATS down, a reconnect) still
//! catches up by itself every second and reads the log when it reconnects.

use async_nats::{ConnectOptions, Event};
use futures_util::StreamExt;
use hotline_app::bus::SharedBus;
use std::sync::Arc;

/// Where nodes tell each other that the log moved.
const SUBJECT: &str = "hotline.log.head";

/// Runs the hints for `shared` over the NATS server at `url` until the task
/// is dropped, reconnecting for as long as it takes.
pub async fn hints(url: String, shared: Arc<SharedBus>) {
    let on_event = {
        let shared = shared.clone();
        move |event: Event| {
            let shared = shared.clone();
            async move {
                match event {
                    // Hints may have been missed meanwhile: read the log.
                    Event::Connected => shared.hint(),
                    Event::Disconnected => tracing::warn!(
                        "NATS is unreachable; other nodes' messages arrive within a second"
                    ),
                    _ => {}
                }
            }
        }
    };
    let client = match ConnectOptions::new()
        .retry_on_initial_connect()
        .event_callback(on_event)
        .connect(url.as_str())
        .await
    {
        Ok(client) => client,
        Err(e) => {
            tracing::warn!(error = %e, "cannot use NATS; other nodes' messages arrive within a second");
            return;
        }
    };
    let mut heard = match client.subscribe(SUBJECT).await {
        Ok(subscriber) => subscriber,
        Err(e) => {
            tracing::warn!(error = %e, "cannot subscribe to NATS hints");
            return;
        }
    };
    let mut own = shared.own_commits();
    let publisher = {
        let client = client.clone();
        async move {
            while own.changed().await.is_ok() {
                let head = *own.borrow_and_update();
                // A lost hint only delays the others by up to a second.
                let _ = client.publish(SUBJECT, head.to_string().into()).await;
            }
        }
    };
    let listener = async {
        while heard.next().await.is_some() {
            shared.hint();
        }
    };
    tokio::join!(publisher, listener);
}
