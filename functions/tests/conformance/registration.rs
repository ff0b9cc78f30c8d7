//! Self-registration (seed 002): a pending account with a mail address apart from its
//! user ID, its confirmation token, the account opened with the completion mail in the
//! token's transaction, and mails queued on their own.

use std::sync::Arc;

use madoguchi::ports::store::*;

use super::{company, mail, t, token, user};

fn pending(id: &str, login: &str, mail_to: &str, hash: &str) -> NewUser {
    let mut u = user(id, login, Some("acme"));
    u.customer_role = Some(madoguchi::domain::access::CustomerRole::InquiryMember);
    u.mail_to = Some(mail_to.into());
    u.pending = true;
    u.disabled = true;
    NewUser {
        user: u,
        token: Some(token(hash, id, TokenPurpose::Register)),
        mails: vec![OutboxMail {
            ticket: None,
            ..mail(&format!("confirm-{hash}"), "", t("2026-11-01T00:00:00Z"))
        }],
    }
}

pub async fn a_pending_account_keeps_its_mail_address_and_is_opened_with_its_completion_mail(
    store: Arc<dyn Store>,
) {
    company(&store, "acme").await;
    let new = pending("u1", "ichiro.suzuki", "ichiro@acme.co.jp", "h1");
    store.create_user_with(new.clone()).await.unwrap();
    let stored = store.user_by_email("ICHIRO.suzuki").await.unwrap().unwrap();
    assert_eq!(stored, new.user);
    assert_eq!(stored.mail_address(), "ichiro@acme.co.jp");
    assert_eq!(
        store.get_token("h1").await.unwrap().unwrap().purpose,
        TokenPurpose::Register
    );
    // The address is not the login ID: another account may log in as it.
    store
        .create_user(user("u2", "ichiro@acme.co.jp", Some("acme")))
        .await
        .unwrap();

    // A registration's token is not an invitation's.
    let now = t("2026-11-02T00:00:00Z");
    let mut open = stored.clone();
    open.pending = false;
    open.disabled = false;
    open.version = 2;
    let done = || {
        vec![OutboxMail {
            ticket: None,
            ..mail("complete-h1", "", now)
        }]
    };
    assert!(
        !store
            .consume_token(
                "h1",
                TokenPurpose::Invite,
                now,
                Some((open.clone(), 1)),
                done()
            )
            .await
            .unwrap()
    );
    assert!(
        store
            .consume_token(
                "h1",
                TokenPurpose::Register,
                now,
                Some((open.clone(), 1)),
                done()
            )
            .await
            .unwrap()
    );
    assert_eq!(store.get_user("u1").await.unwrap().unwrap(), open);
    let ids: Vec<String> = store
        .due_mails(now, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, ["confirm-h1", "complete-h1"]);

    // Used: nothing more is written, not even the mail.
    let mut again = open.clone();
    again.version = 3;
    assert!(
        !store
            .consume_token(
                "h1",
                TokenPurpose::Register,
                now,
                Some((again, 2)),
                vec![OutboxMail {
                    ticket: None,
                    ..mail("complete-again", "", now)
                }]
            )
            .await
            .unwrap()
    );
    assert_eq!(store.get_user("u1").await.unwrap().unwrap().version, 2);
    assert_eq!(store.due_mails(now, 10).await.unwrap().len(), 2);
}

pub async fn a_token_used_without_a_user_still_writes_its_mails_only_when_used(
    store: Arc<dyn Store>,
) {
    company(&store, "acme").await;
    store
        .create_user_with(pending("u1", "ichiro.suzuki", "ichiro@acme.co.jp", "h1"))
        .await
        .unwrap();
    let now = t("2026-11-02T00:00:00Z");
    let done = |id: &str| {
        vec![OutboxMail {
            ticket: None,
            ..mail(id, "", now)
        }]
    };
    assert!(
        store
            .consume_token("h1", TokenPurpose::Register, now, None, done("m1"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .consume_token("h1", TokenPurpose::Register, now, None, done("m2"))
            .await
            .unwrap()
    );
    let ids: Vec<String> = store
        .due_mails(now, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, ["confirm-h1", "m1"]);
}

pub async fn mails_are_queued_alone_all_or_nothing(store: Arc<dyn Store>) {
    let at = t("2026-11-01T00:00:00Z");
    let alone = |id: &str| OutboxMail {
        ticket: None,
        ..mail(id, "", at)
    };
    store
        .queue_mails(vec![alone("reminder-1"), alone("reminder-2")])
        .await
        .unwrap();
    assert!(matches!(
        store
            .queue_mails(vec![alone("reminder-3"), alone("reminder-1")])
            .await,
        Err(StoreError::Duplicate(_))
    ));
    store.queue_mails(vec![]).await.unwrap();
    let ids: Vec<String> = store
        .due_mails(at, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, ["reminder-1", "reminder-2"]);
}
