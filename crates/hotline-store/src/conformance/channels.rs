//! The social channels' contract: chats and their conversations, one-time
//! link codes, updates taken in once, and an outbox that hands each row out
//! in order, under a lease, until it is sent.

use super::*;
use crate::channels::*;

fn chat(channel: Channel, id: &str) -> SocialChat {
    SocialChat::new(channel, id).unwrap()
}

fn at(seconds: i64) -> Timestamp {
    time::OffsetDateTime::from_unix_timestamp(1_780_000_000 + seconds).unwrap()
}

fn notice(chat: &SocialChat, key: &str) -> NewOutbound {
    NewOutbound {
        chat: chat.clone(),
        key: key.into(),
        delivery: Delivery::Notice {
            text: format!("notice {key}"),
        },
    }
}

/// A conversation the chat's guest started.
async fn guest_conversation(
    store: &Arc<dyn Store>,
    chat: &SocialChat,
    text: &str,
) -> ConversationId {
    let guest = CustomerIdentity {
        id: chat.guest_id(),
        ..customer("unused")
    };
    store
        .start_conversation(StartConversation {
            customer: guest,
            ..start_command("unused", "travel", "telegram-1", text)
        })
        .await
        .unwrap()
        .conversation
        .id
}

pub async fn chats_follow_their_conversations(store: Arc<dyn Store>) {
    let tg = chat(Channel::Telegram, "1001");
    assert!(store.chat(&tg).await.unwrap().is_none());
    let first = store.touch_chat(&tg, "Иван").await.unwrap();
    assert_eq!(first.display_name, "Иван");
    assert_eq!(
        (first.linked.clone(), first.conversation_id.clone()),
        (None, None)
    );
    let renamed = store.touch_chat(&tg, "Иван П.").await.unwrap();
    assert_eq!(renamed.display_name, "Иван П.");

    let conversation = guest_conversation(&store, &tg, "Где мой багаж?").await;
    store.attach_conversation(&tg, &conversation).await.unwrap();
    assert_eq!(
        store.chat(&tg).await.unwrap().unwrap().conversation_id,
        Some(conversation.clone())
    );
    // A second chat may follow the same conversation; attaching twice is one.
    let vk = chat(Channel::Vk, "2002");
    store.touch_chat(&vk, "Мария").await.unwrap();
    store.attach_conversation(&vk, &conversation).await.unwrap();
    store.attach_conversation(&tg, &conversation).await.unwrap();
    let mut chats = store.conversation_chats(&conversation).await.unwrap();
    chats.sort_by(|a, b| a.chat_id.cmp(&b.chat_id));
    assert_eq!(chats, vec![tg.clone(), vk.clone()]);
    let unknown = chat(Channel::Telegram, "9");
    assert!(matches!(
        store.attach_conversation(&unknown, &conversation).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store
            .conversation_chats(&ConversationId::from_raw("nope"))
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn link_codes_link_a_chat_once(store: Arc<dyn Store>) {
    let tg = chat(Channel::Telegram, "3003");
    store.touch_chat(&tg, "Пётр").await.unwrap();
    let conversation = guest_conversation(&store, &tg, "вопрос").await;
    store.attach_conversation(&tg, &conversation).await.unwrap();
    store
        .create_link_code(NewLinkCode {
            chat: tg.clone(),
            code_sha256: "old".into(),
            expires_at: at(600),
        })
        .await
        .unwrap();
    store
        .create_link_code(NewLinkCode {
            chat: tg.clone(),
            code_sha256: "new".into(),
            expires_at: at(600),
        })
        .await
        .unwrap();
    let anna = customer("anna");
    assert_eq!(
        store.link_chat("old", &anna, at(1)).await.unwrap(),
        None,
        "a newer code replaces the chat's older one"
    );
    assert_eq!(
        store.link_chat("new", &anna, at(601)).await.unwrap(),
        None,
        "expired"
    );
    store
        .create_link_code(NewLinkCode {
            chat: tg.clone(),
            code_sha256: "fresh".into(),
            expires_at: at(600),
        })
        .await
        .unwrap();
    assert_eq!(
        store.link_chat("fresh", &anna, at(2)).await.unwrap(),
        Some(tg.clone())
    );
    assert_eq!(
        store
            .link_chat("fresh", &customer("mallory"), at(3))
            .await
            .unwrap(),
        None,
        "a code links once"
    );
    let record = store.chat(&tg).await.unwrap().unwrap();
    let linked = record.linked.unwrap();
    assert_eq!(
        linked.customer,
        CustomerIdentity {
            amr: Vec::new(),
            ..anna.clone()
        },
        "the token's facts, but a chat is never a strong login"
    );
    assert_eq!(linked.linked_at, at(2));
    assert_eq!(
        record.conversation_id, None,
        "the guest's conversation is left behind"
    );
    let listed = store.linked_chats(&anna.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].chat, tg);

    // Erasing the customer erases their linked chats (and a guest's own).
    let vk = chat(Channel::Vk, "4004");
    store.touch_chat(&vk, "Пётр").await.unwrap();
    store
        .create_link_code(NewLinkCode {
            chat: vk.clone(),
            code_sha256: "vk".into(),
            expires_at: at(600),
        })
        .await
        .unwrap();
    store
        .link_chat("vk", &customer("erased"), at(4))
        .await
        .unwrap();
    store
        .erase_customer(&CustomerId::from_raw("erased"))
        .await
        .unwrap();
    assert!(store.chat(&vk).await.unwrap().is_none());
    let guest = chat(Channel::Vk, "5005");
    store.touch_chat(&guest, "Гость").await.unwrap();
    store.erase_customer(&guest.guest_id()).await.unwrap();
    assert!(store.chat(&guest).await.unwrap().is_none());

    assert!(
        !store
            .unlink_chat(&tg, &customer("mallory").id)
            .await
            .unwrap()
    );
    assert!(store.unlink_chat(&tg, &anna.id).await.unwrap());
    assert!(!store.unlink_chat(&tg, &anna.id).await.unwrap());
    assert_eq!(store.chat(&tg).await.unwrap().unwrap().linked, None);
    assert!(store.linked_chats(&anna.id).await.unwrap().is_empty());
}

pub async fn inbound_updates_are_taken_in_once(store: Arc<dyn Store>) {
    assert!(!store.inbound_seen(Channel::Telegram, "17").await.unwrap());
    assert!(
        store
            .record_inbound(Channel::Telegram, "17", at(0))
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_inbound(Channel::Telegram, "17", at(1))
            .await
            .unwrap()
    );
    assert!(store.inbound_seen(Channel::Telegram, "17").await.unwrap());
    assert!(
        !store.inbound_seen(Channel::Vk, "17").await.unwrap(),
        "each platform numbers its own"
    );
}

pub async fn the_outbox_delivers_each_row_once_in_order(store: Arc<dyn Store>) {
    let a = chat(Channel::Telegram, "1");
    let b = chat(Channel::Telegram, "2");
    let v = chat(Channel::Vk, "1");
    assert_eq!(store.channel_cursor("telegram").await.unwrap(), None);
    store
        .enqueue_outbound(
            vec![
                notice(&a, "m1"),
                notice(&a, "m2"),
                notice(&b, "m1"),
                notice(&v, "m1"),
            ],
            Some(("telegram", EventPosition(5))),
            at(0),
        )
        .await
        .unwrap();
    // Offered again (a dispatcher that restarted before its cursor moved).
    store
        .enqueue_outbound(vec![notice(&a, "m1")], None, at(1))
        .await
        .unwrap();
    assert_eq!(
        store.channel_cursor("telegram").await.unwrap(),
        Some(EventPosition(5))
    );
    assert_eq!(store.outbound_pending(Channel::Telegram).await.unwrap(), 3);

    // Only the oldest row of each chat, and only this channel's.
    let leased = store
        .lease_outbound(Channel::Telegram, at(2), at(32), 10)
        .await
        .unwrap();
    let keys: Vec<_> = leased
        .iter()
        .map(|r| (r.chat.chat_id.as_str(), r.key.as_str()))
        .collect();
    assert_eq!(keys, [("1", "m1"), ("2", "m1")]);
    assert_eq!(
        leased[0].delivery,
        Delivery::Notice {
            text: "notice m1".into()
        }
    );
    assert!(
        store
            .lease_outbound(Channel::Telegram, at(3), at(33), 10)
            .await
            .unwrap()
            .is_empty(),
        "leased rows, and the rows behind them, wait"
    );

    // A failure makes the row due again at its retry time, counted.
    store
        .outbound_failed(leased[0].id, at(10), "429 retry after 8")
        .await
        .unwrap();
    store.outbound_sent(leased[1].id, at(3)).await.unwrap();
    assert!(
        store
            .lease_outbound(Channel::Telegram, at(9), at(39), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = store
        .lease_outbound(Channel::Telegram, at(10), at(40), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].key.as_str(), again[0].attempts), ("m1", 1));
    store.outbound_sent(again[0].id, at(11)).await.unwrap();

    let next = store
        .lease_outbound(Channel::Telegram, at(11), at(41), 10)
        .await
        .unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(
        next[0].key, "m2",
        "the chat's next row once the first is sent"
    );
    store.outbound_sent(next[0].id, at(12)).await.unwrap();
    assert_eq!(store.outbound_pending(Channel::Telegram).await.unwrap(), 0);
    assert!(
        store
            .lease_outbound(Channel::Telegram, at(100), at(130), 10)
            .await
            .unwrap()
            .is_empty(),
        "a sent row is never handed out again"
    );
    assert_eq!(store.outbound_pending(Channel::Vk).await.unwrap(), 1);

    // A lease that runs out hands the row out again (its sender died).
    let vk = store
        .lease_outbound(Channel::Vk, at(0), at(30), 10)
        .await
        .unwrap();
    assert_eq!(vk.len(), 1);
    let retaken = store
        .lease_outbound(Channel::Vk, at(30), at(60), 10)
        .await
        .unwrap();
    assert_eq!(retaken.iter().map(|r| r.id).collect::<Vec<_>>(), [vk[0].id]);

    store
        .enqueue_outbound(Vec::new(), Some(("telegram", EventPosition(9))), at(50))
        .await
        .unwrap();
    assert_eq!(
        store.channel_cursor("telegram").await.unwrap(),
        Some(EventPosition(9))
    );
}
