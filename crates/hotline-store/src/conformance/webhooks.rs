//! Outbound webhooks' contract: subscriptions with rotated secrets, and
//! delivery rows handed out under a lease, in order per conversation,
//! until delivered or dead.

use super::*;
use crate::webhooks::*;

fn at(seconds: i64) -> Timestamp {
    time::OffsetDateTime::from_unix_timestamp(1_780_000_000 + seconds).unwrap()
}

fn subscription(id: &str, types: &[&str]) -> NewWebhookSubscription {
    NewWebhookSubscription {
        id: id.into(),
        url: format!("https://hooks.example/{id}"),
        event_types: types.iter().map(|t| t.to_string()).collect(),
        secret: format!("whsec_{id}"),
        enabled: true,
        cursor: EventPosition(3),
        now: at(0),
    }
}

fn owed(event: u64, conversation: &ConversationId) -> NewWebhookDelivery {
    NewWebhookDelivery {
        event: EventPosition(event),
        conversation_id: conversation.clone(),
    }
}

fn retry(at_s: i64, retry_s: i64) -> AttemptOutcome {
    AttemptOutcome::Retry {
        status: Some(500),
        error: "HTTP 500".into(),
        at: at(at_s),
        retry_at: at(retry_s),
    }
}

pub async fn webhook_subscriptions_keep_their_secrets(store: Arc<dyn Store>) {
    let created = store
        .create_webhook(subscription("wh_a", &["message.created"]))
        .await
        .unwrap();
    assert_eq!(created.cursor, EventPosition(3));
    assert_eq!(created.event_types, vec!["message.created".to_string()]);
    assert!(created.enabled && created.previous_secret.is_none());
    assert_eq!(created.created_at, at(0));
    store
        .create_webhook(subscription("wh_b", &["sla.breached"]))
        .await
        .unwrap();
    let ids: Vec<_> = store
        .webhooks()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids, ["wh_a", "wh_b"]);

    let changed = store
        .update_webhook(
            "wh_a",
            WebhookChange {
                event_types: Some(vec!["message.created".into(), "claim.filed".into()]),
                enabled: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.url, "https://hooks.example/wh_a");
    assert_eq!(changed.event_types.len(), 2);
    assert!(!changed.enabled);
    assert!(matches!(
        store.update_webhook("nope", WebhookChange::default()).await,
        Err(StoreError::NotFound)
    ));

    let rotated = store
        .rotate_webhook_secret("wh_a", "whsec_new", at(100))
        .await
        .unwrap();
    assert_eq!(rotated.secret, "whsec_new");
    assert_eq!(rotated.previous_secret.as_deref(), Some("whsec_wh_a"));
    assert_eq!(rotated.signing_secrets(at(50)), ["whsec_new", "whsec_wh_a"]);
    assert_eq!(rotated.signing_secrets(at(100)), ["whsec_new"]);
    assert_eq!(store.webhook("wh_a").await.unwrap(), Some(rotated));

    assert!(store.delete_webhook("wh_a").await.unwrap());
    assert!(!store.delete_webhook("wh_a").await.unwrap());
    assert!(store.webhook("wh_a").await.unwrap().is_none());
}

pub async fn webhook_deliveries_go_once_in_order_per_conversation(store: Arc<dyn Store>) {
    let first = start(&store, "u1", "travel", "w1", "Где мой багаж?")
        .await
        .conversation
        .id;
    let second = start(&store, "u2", "travel", "w2", "Вопрос")
        .await
        .conversation
        .id;
    store
        .create_webhook(subscription("wh_a", &["message.created"]))
        .await
        .unwrap();
    let rows = vec![owed(4, &first), owed(5, &first), owed(6, &second)];
    store
        .enqueue_webhook_deliveries("wh_a", rows.clone(), EventPosition(9), at(1))
        .await
        .unwrap();
    // Offered again (another node, a restart): nothing new, the cursor stays.
    store
        .enqueue_webhook_deliveries("wh_a", rows, EventPosition(6), at(1))
        .await
        .unwrap();
    assert_eq!(
        store.webhook("wh_a").await.unwrap().unwrap().cursor,
        EventPosition(9)
    );
    // An erased conversation is owed nothing.
    store
        .enqueue_webhook_deliveries(
            "wh_a",
            vec![owed(7, &ConversationId::from_raw("erased"))],
            EventPosition(9),
            at(1),
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .enqueue_webhook_deliveries("nope", vec![], EventPosition(9), at(1))
            .await,
        Err(StoreError::NotFound)
    ));

    // The oldest of each conversation, leased.
    let leased = store
        .lease_webhook_deliveries(at(2), at(62), 10)
        .await
        .unwrap();
    let events: Vec<_> = leased.iter().map(|d| d.event.0).collect();
    assert_eq!(events, [4, 6]);
    assert!(
        store
            .lease_webhook_deliveries(at(3), at(63), 10)
            .await
            .unwrap()
            .is_empty(),
        "a leased row is not handed out twice"
    );
    let (a4, b6) = (leased[0].id, leased[1].id);
    store
        .record_webhook_attempt(a4, retry(3, 10))
        .await
        .unwrap();
    store
        .record_webhook_attempt(
            b6,
            AttemptOutcome::Delivered {
                status: 204,
                at: at(3),
            },
        )
        .await
        .unwrap();
    // The conversation's next event waits behind the failed one.
    assert!(
        store
            .lease_webhook_deliveries(at(5), at(65), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = store
        .lease_webhook_deliveries(at(10), at(70), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id, again[0].attempts), (a4, 1));
    assert_eq!(again[0].last_status, Some(500));
    store
        .record_webhook_attempt(
            a4,
            AttemptOutcome::Dead {
                status: None,
                error: "timed out".into(),
                at: at(11),
            },
        )
        .await
        .unwrap();
    // A finished row ignores a late attempt (another node after its lease).
    store
        .record_webhook_attempt(a4, retry(12, 13))
        .await
        .unwrap();
    let next = store
        .lease_webhook_deliveries(at(12), at(72), 10)
        .await
        .unwrap();
    assert_eq!(next.iter().map(|d| d.event.0).collect::<Vec<_>>(), [5]);

    let dead = store.webhook_dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, a4);
    assert_eq!(dead[0].dead_at, Some(at(11)));
    assert_eq!(dead[0].attempts, 2);
    assert_eq!(dead[0].last_error.as_deref(), Some("timed out"));
    let log = store.webhook_deliveries("wh_a", 10).await.unwrap();
    assert_eq!(log.iter().map(|d| d.event.0).collect::<Vec<_>>(), [6, 5, 4]);
    assert_eq!(log[0].delivered_at, Some(at(3)));

    // A re-send is a new row for the same event, behind the conversation's
    // unfinished one.
    let resent = store.resend_webhook_delivery(a4, at(20)).await.unwrap();
    assert_eq!(
        (resent.event, resent.resend_of, resent.attempts),
        (EventPosition(4), Some(a4), 0)
    );
    assert_eq!(
        store.webhook_delivery(resent.id).await.unwrap(),
        Some(resent.clone())
    );
    assert!(matches!(
        store.resend_webhook_delivery(999_999, at(20)).await,
        Err(StoreError::NotFound)
    ));
    store
        .record_webhook_attempt(
            next[0].id,
            AttemptOutcome::Delivered {
                status: 200,
                at: at(21),
            },
        )
        .await
        .unwrap();
    // A disabled subscription's rows wait.
    store
        .update_webhook(
            "wh_a",
            WebhookChange {
                enabled: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        store
            .lease_webhook_deliveries(at(22), at(82), 10)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .update_webhook(
            "wh_a",
            WebhookChange {
                enabled: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let redo = store
        .lease_webhook_deliveries(at(22), at(82), 10)
        .await
        .unwrap();
    assert_eq!(redo.iter().map(|d| d.id).collect::<Vec<_>>(), [resent.id]);

    // Deleting the subscription deletes its rows.
    assert!(store.delete_webhook("wh_a").await.unwrap());
    assert!(store.webhook_delivery(a4).await.unwrap().is_none());
    assert!(store.webhook_dead_letters(10).await.unwrap().is_empty());
}
