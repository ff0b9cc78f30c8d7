//! The Store conformance suite on the embedded SQLite store.

mod conformance;

use std::sync::Arc;

use madoguchi::adapters::embedded::SqliteStore;
use madoguchi::ports::store::Store;

async fn sqlite() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("madoguchi.db")).unwrap();
    (Arc::new(store), dir)
}

conformance_tests!(sqlite);

#[tokio::test]
async fn reopening_the_database_keeps_the_data_and_does_not_migrate_twice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("madoguchi.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(
            madoguchi::ports::store::SequenceStore::next_sequence(&store, "k")
                .await
                .unwrap(),
            1
        );
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        madoguchi::ports::store::SequenceStore::next_sequence(&store, "k")
            .await
            .unwrap(),
        2
    );
}

#[tokio::test]
async fn counts_kept_in_memory_show_another_processs_writes_once_re_read() {
    use madoguchi::ports::store::{Scope, TicketStore};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("madoguchi.db");
    // `reader` re-reads its kept counts at once (age zero); `other` stands for a
    // second process on the same file (the admin CLI), whose writes `reader` cannot see
    // happen.
    let reader = SqliteStore::open_with(&path, std::time::Duration::ZERO).unwrap();
    let other = SqliteStore::open(&path).unwrap();
    let acme = Scope::Company("acme".into());
    assert_eq!(reader.count_tickets(&acme).await.unwrap().open, 0);
    let at = conformance::t("2026-11-23T01:00:00Z");
    other
        .create_ticket(conformance::new_ticket("x1", "u1", "acme", at))
        .await
        .unwrap();
    let seen = reader.count_tickets(&acme).await.unwrap();
    assert_eq!(seen.open, 1);
    assert!(seen.generation > 0);
    // And the writing store's own kept counts are forgotten by its write.
    assert_eq!(other.count_tickets(&acme).await.unwrap().open, 1);
}

#[tokio::test]
async fn tickets_stored_before_the_search_index_are_indexed_when_the_store_opens() {
    use madoguchi::ports::search::SearchQuery;
    use madoguchi::ports::store::{SearchStore, TicketStore};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("madoguchi.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        let mut nt =
            conformance::new_ticket("p1", "u1", "acme", conformance::t("2026-11-01T00:00:00Z"));
        nt.article.body_md = "以前からの障害です".into();
        store.create_ticket(nt).await.unwrap();
    }
    // The state the search migration leaves a database of older tickets in: no terms,
    // every ticket in the backlog.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "DELETE FROM search_terms; INSERT INTO search_backlog (number) SELECT number FROM tickets;",
        )
        .unwrap();
    let store = SqliteStore::open(&path).unwrap();
    let found = store
        .search_tickets(&SearchQuery {
            terms: madoguchi_text::terms("障害"),
            limit: 10,
            ..SearchQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
    let left: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT count(*) FROM search_backlog", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
}
