//! Running the `scrutin` binary against a database per test: SQLite always (a file in a
//! temporary directory), PostgreSQL when SCRUTIN_TEST_POSTGRES_URL is set (a schema of its own,
//! dropped afterwards; else a visible SKIPPED).

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

pub struct Env {
    pub url: String,
    pub dir: PathBuf,
    pub schema: Option<(String, String)>,
    /// The day `election` commands run on unless they pass their own `--today`.
    pub today: Option<&'static str>,
}

pub fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{name}_{}_{nanos}", std::process::id())
}

pub fn envs(test: &str, today: Option<&'static str>) -> Vec<(&'static str, Env)> {
    let mut v = Vec::new();
    let dir = std::env::temp_dir().join(format!("scrutin-cli-{}", unique(test)));
    std::fs::create_dir_all(&dir).unwrap();
    v.push((
        "sqlite",
        Env {
            url: format!("sqlite://{}", dir.join("scrutin.db").display()),
            dir: dir.clone(),
            schema: None,
            today,
        },
    ));
    match std::env::var("SCRUTIN_TEST_POSTGRES_URL") {
        Ok(base) => {
            let schema = unique(&format!("c_{test}"));
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async {
                scrutin_store::Store::open_in(&base, Some(&schema))
                    .await
                    .unwrap()
                    .close()
                    .await
            });
            let sep = if base.contains('?') { '&' } else { '?' };
            let pg_dir =
                std::env::temp_dir().join(format!("scrutin-cli-{}", unique(&format!("{test}-pg"))));
            std::fs::create_dir_all(&pg_dir).unwrap();
            v.push((
                "postgres",
                Env {
                    url: format!("{base}{sep}options=-c%20search_path%3D{schema}"),
                    dir: pg_dir,
                    schema: Some((base, schema)),
                    today,
                },
            ));
        }
        Err(_) => {
            println!("SKIPPED: SCRUTIN_TEST_POSTGRES_URL not set ({test} ran on SQLite only)")
        }
    }
    v
}

impl Env {
    pub fn run(&self, args: &[&str]) -> Output {
        let mut args: Vec<&str> = args.to_vec();
        if let Some(today) = self.today {
            if args.first() == Some(&"election") && !args.contains(&"--today") {
                args.splice(1..1, ["--today", today]);
            }
        }
        Command::new(env!("CARGO_BIN_EXE_scrutin"))
            .arg("--database-url")
            .arg(&self.url)
            .args(&args)
            .current_dir(&self.dir)
            .output()
            .unwrap()
    }
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "{args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }
    pub fn fails(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(!o.status.success(), "{args:?} should have failed");
        String::from_utf8(o.stderr).unwrap()
    }
    pub fn write(&self, name: &str, text: &str) -> String {
        let p = self.dir.join(name);
        std::fs::write(&p, text).unwrap();
        name.to_string()
    }
    pub fn finish(self) {
        if let Some((base, schema)) = &self.schema {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(scrutin_store::Store::drop_schema(base, schema))
                .unwrap();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
