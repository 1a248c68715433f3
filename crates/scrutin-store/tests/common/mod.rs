//! What the store's tests share: a database per test on each backend — SQLite always (a
//! temporary file), PostgreSQL when SCRUTIN_TEST_POSTGRES_URL is set (a schema of its own,
//! dropped afterwards).

use scrutin_store::Store;

/// A database for one test on one backend; cleaned up on `finish`.
pub struct Db {
    pub store: Store,
    pub cleanup: Cleanup,
}

pub enum Cleanup {
    File(std::path::PathBuf),
    Schema(String, String),
}

pub fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{name}_{}_{nanos}", std::process::id())
}

impl Db {
    pub async fn finish(self) {
        Db::finish_store(self.store, self.cleanup).await
    }

    /// As [`Db::finish`], for a store taken out of its `Db`.
    pub async fn finish_store(store: Store, cleanup: Cleanup) {
        store.close().await;
        match cleanup {
            Cleanup::File(p) => {
                for ext in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
                }
            }
            Cleanup::Schema(url, schema) => Store::drop_schema(&url, &schema).await.unwrap(),
        }
    }
}

/// SQLite, and PostgreSQL if configured (else says SKIPPED).
pub async fn backends(test: &str) -> Vec<(&'static str, Db)> {
    let mut v = Vec::new();
    let path = std::env::temp_dir().join(format!("scrutin-{}.db", unique(test)));
    let store = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    v.push((
        "sqlite",
        Db {
            store,
            cleanup: Cleanup::File(path),
        },
    ));
    match std::env::var("SCRUTIN_TEST_POSTGRES_URL") {
        Ok(url) => {
            let schema = unique(&format!("t_{}", test.replace('-', "_")));
            let store = Store::open_in(&url, Some(&schema)).await.unwrap();
            v.push((
                "postgres",
                Db {
                    store,
                    cleanup: Cleanup::Schema(url, schema),
                },
            ));
        }
        Err(_) => {
            println!("SKIPPED: SCRUTIN_TEST_POSTGRES_URL not set ({test} ran on SQLite only)")
        }
    }
    v
}

/// Every row of `table` as text (columns joined by commas, rows by newlines), read over a
/// connection of its own: what anyone with the database can see.
#[allow(dead_code)]
pub async fn dump(cleanup: &Cleanup, table: &str) -> String {
    query(cleanup, &format!("SELECT * FROM {table}")).await
}

/// The rows of a query, as [`dump`] shows them.
#[allow(dead_code)]
pub async fn query(cleanup: &Cleanup, sql: &str) -> String {
    let table = sql;
    use sqlx::{Column, Executor, Row};
    sqlx::any::install_default_drivers();
    let (url, schema) = match cleanup {
        Cleanup::File(p) => (format!("sqlite://{}", p.display()), None),
        Cleanup::Schema(url, schema) => (url.clone(), Some(schema.clone())),
    };
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    if let Some(s) = schema {
        pool.execute(format!("SET search_path TO {s}").as_str())
            .await
            .unwrap();
    }
    let rows = sqlx::query(sql).fetch_all(&pool).await.unwrap();
    let mut out = String::new();
    for r in rows {
        let cols: Vec<String> = (0..r.columns().len())
            .map(|k| {
                r.try_get::<Option<String>, _>(k)
                    .map(|v| v.unwrap_or_default())
                    .or_else(|_| r.try_get::<i64, _>(k).map(|v| v.to_string()))
                    .unwrap_or_else(|e| panic!("{table}.{}: {e}", r.columns()[k].name()))
            })
            .collect();
        out.push_str(&cols.join(","));
        out.push('\n');
    }
    pool.close().await;
    out
}
