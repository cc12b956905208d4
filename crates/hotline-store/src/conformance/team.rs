//! The team's contract: invited operators have no password until they
//! accept, invitations are used once and expire, changes stick, and a
//! deactivated operator neither logs in nor keeps a session.

use super::*;
use crate::team::*;

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

pub async fn operators_are_invited_changed_and_deactivated(store: Arc<dyn Store>) {
    let boss = operator(&store, "boss@x", Role::Admin, &["travel"]).await;
    let invited = store
        .create_operator(NewOperator {
            email: "new@x".into(),
            name: "Новенький".into(),
            role: Role::Operator,
            departments: vec![department("travel")],
            password_hash: String::new(),
        })
        .await
        .unwrap();
    let account = store.operator_account(&invited.id).await.unwrap().unwrap();
    assert!(account.active && account.invited, "{account:?}");
    assert_eq!(account.email, "new@x");
    let names: Vec<String> = store
        .operator_accounts()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.operator.name)
        .collect();
    assert_eq!(names, ["boss", "Новенький"]);

    // An invitation: used once, before it expires; a newer one replaces it.
    let invite = |hash: &str, expires_at_unix| NewInvite {
        operator_id: invited.id.clone(),
        token_hash: hash.into(),
        expires_at_unix,
    };
    store.create_invite(invite("old", 2_000)).await.unwrap();
    store.create_invite(invite("new", 2_000)).await.unwrap();
    assert_eq!(
        store
            .accept_invite("old", HASH.into(), 1_000)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .accept_invite("new", HASH.into(), 2_000)
            .await
            .unwrap(),
        None,
        "expired"
    );
    store.create_invite(invite("fresh", 2_000)).await.unwrap();
    let accepted = store
        .accept_invite("fresh", HASH.into(), 1_000)
        .await
        .unwrap()
        .unwrap();
    assert!(!accepted.invited);
    assert_eq!(
        store
            .accept_invite("fresh", HASH.into(), 1_000)
            .await
            .unwrap(),
        None,
        "used"
    );
    let record = store.operator_by_email("new@x").await.unwrap().unwrap();
    assert_eq!(record.password_hash, HASH);

    // Changes stick; an unknown operator is NotFound.
    let changed = store
        .update_operator(
            &invited.id,
            OperatorChange {
                name: Some("Ольга".into()),
                role: Some(Role::Supervisor),
                departments: Some(vec![
                    department("bank"),
                    department("travel"),
                    department("bank"),
                ]),
                active: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.operator.name, "Ольга");
    assert_eq!(changed.operator.role, Role::Supervisor);
    assert_eq!(
        changed.operator.departments,
        [department("bank"), department("travel")]
    );
    assert!(matches!(
        store
            .update_operator(&OperatorId::generate(), OperatorChange::default())
            .await,
        Err(StoreError::NotFound)
    ));

    // Deactivated: the session ends, the login finds no one, no invitation.
    store
        .create_session(NewSession {
            token_hash: "session".into(),
            operator_id: invited.id.clone(),
            expires_at_unix: i64::MAX,
        })
        .await
        .unwrap();
    assert!(
        store
            .session_operator("session", 0)
            .await
            .unwrap()
            .is_some()
    );
    let off = store
        .update_operator(
            &invited.id,
            OperatorChange {
                active: Some(false),
                ..OperatorChange::default()
            },
        )
        .await
        .unwrap();
    assert!(!off.active);
    assert!(
        store
            .session_operator("session", 0)
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.operator_by_email("new@x").await.unwrap().is_none());
    assert!(matches!(
        store.create_invite(invite("late", 2_000)).await,
        Err(StoreError::NotFound)
    ));
    // Reactivated: the password they set works again, the old session does not.
    store
        .update_operator(
            &invited.id,
            OperatorChange {
                active: Some(true),
                ..OperatorChange::default()
            },
        )
        .await
        .unwrap();
    assert!(store.operator_by_email("new@x").await.unwrap().is_some());
    assert!(
        store
            .session_operator("session", 0)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .operator_account(&boss.id)
            .await
            .unwrap()
            .unwrap()
            .active
    );
}
