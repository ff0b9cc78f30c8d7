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
