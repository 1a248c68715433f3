//! `scrutin demo`: a local demonstration election — the NEC's members' sections
//! (examples/demo/body.toml: nine CLP seats by STV with at least four women, and a youth
//! seat) with a few hundred synthetic members, some of whom have voted already — served at
//! http://127.0.0.1:8080 with demo credentials and an administrator's password printed.
//! Everything lives in `./scrutin-demo/`, made again on each run.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use scrutin_record::ballot::Ballot;
use scrutin_record::keys;
use scrutin_store::rules::ElectionDates;
use scrutin_store::{roll, BallotOrder, Channel, Date, NewElection, Revote, Store};

const BODY: &str = include_str!("../../../examples/demo/body.toml");
const ELECTION: &str = "nec-demo";

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Where the site listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The demo's directory (its database, the returning officer's key, published records).
    #[arg(long, default_value = "scrutin-demo")]
    pub dir: PathBuf,
    /// Synthetic members on the roll.
    #[arg(long, default_value_t = 300)]
    pub members: u32,
    /// Set everything up, print it, and exit without serving (for scripts and tests).
    #[arg(long)]
    pub no_serve: bool,
}

const FIRST_WOMEN: &[&str] = &[
    "Aisha", "Bethan", "Chloe", "Deborah", "Eleanor", "Fatima", "Grace", "Hannah", "Imani",
    "Joanne", "Kiran", "Laura", "Maryam", "Niamh", "Olivia", "Priya", "Rachel", "Siobhan",
];
const FIRST_MEN: &[&str] = &[
    "Adam", "Bilal", "Callum", "Daniel", "Ewan", "Farhan", "Gareth", "Harry", "Idris", "Jamal",
    "Kieran", "Liam", "Mohammed", "Nathan", "Owen", "Patrick", "Rhys", "Samuel",
];
const SURNAMES: &[&str] = &[
    "Ahmed", "Baker", "Campbell", "Davies", "Evans", "Fraser", "Green", "Hughes", "Iqbal", "Jones",
    "Khan", "Lewis", "Morgan", "Nolan", "Owusu", "Patel", "Quinn", "Roberts", "Singh", "Taylor",
    "Walsh", "Williams", "Young",
];
const CLPS: &[&str] = &[
    "Brighton Pavilion",
    "Cardiff Central",
    "Glasgow North",
    "Hull West",
    "Leeds Central",
    "Liverpool Riverside",
    "Manchester Gorton",
    "Newcastle East",
    "Norwich South",
    "Sheffield Hallam",
];

/// A small deterministic generator (SplitMix64): the demo's data is the same on every run.
struct Mix(u64);
impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

struct Member {
    id: String,
    name: String,
    woman: bool,
    young: bool,
}

fn members(n: u32) -> Vec<Member> {
    let mut r = Mix(2018);
    (1..=n)
        .map(|k| {
            let woman = r.below(2) == 0;
            let first = if woman {
                FIRST_WOMEN[r.below(FIRST_WOMEN.len())]
            } else {
                FIRST_MEN[r.below(FIRST_MEN.len())]
            };
            Member {
                id: format!("L{k:05}"),
                name: format!("{first} {}", SURNAMES[r.below(SURNAMES.len())]),
                woman,
                young: k % 4 == 0,
            }
        })
        .collect()
}

fn roll_csv(ms: &[Member], today: Date) -> String {
    let mut s = String::from(
        "id,name,email,address,joined,paid_up_to,date_of_birth,self_declared,branch\n",
    );
    for (k, m) in ms.iter().enumerate() {
        let born = if m.young {
            today.plus_days(-365 * 22)
        } else {
            today.plus_days(-365 * (30 + (k as i64 % 40)))
        };
        s.push_str(&format!(
            "{},{},{}@members.example.org,,{},{},{born},gender={},{}\n",
            m.id,
            m.name,
            m.id.to_lowercase(),
            today.plus_days(-400 - k as i64),
            today.plus_days(365),
            if m.woman { "woman" } else { "man" },
            CLPS[k % CLPS.len()],
        ));
    }
    s
}

fn reset(dir: &Path) -> Result<()> {
    if dir.exists() {
        // Only what the demo itself makes.
        for name in [
            "demo.db",
            "demo.db-wal",
            "demo.db-shm",
            "returning-officer.key",
        ] {
            let p = dir.join(name);
            if p.exists() {
                std::fs::remove_file(&p)
                    .with_context(|| format!("cannot remove {}", p.display()))?;
            }
        }
        let records = dir.join("records");
        if records.exists() {
            std::fs::remove_dir_all(&records)
                .with_context(|| format!("cannot remove {}", records.display()))?;
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
}

pub fn run(args: DemoArgs, database_url: Option<&str>) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(run_async(args, database_url))
}

async fn run_async(args: DemoArgs, database_url: Option<&str>) -> Result<()> {
    let out = &mut std::io::stdout().lock();
    reset(&args.dir)?;
    let url = match database_url {
        Some(u) => u.to_string(),
        None => format!("sqlite://{}", args.dir.join("demo.db").display()),
    };
    let store = Store::open(&url)
        .await
        .with_context(|| format!("cannot open the database {url}"))?;
    if store.elections().await?.iter().any(|e| e == ELECTION) {
        anyhow::bail!(
            "the database {url} already holds an election {ELECTION:?}; the demo makes its own \
             (run it without --database-url, or on an empty database)"
        );
    }
    let today = Date::today();
    let dates = ElectionDates {
        nominations_open: today.plus_days(-60),
        nominations_close: today.plus_days(-30),
        freeze_date: today.plus_days(-30),
        paid_up_date: today.plus_days(-30),
        voting_open: today,
        voting_close: today.plus_days(14),
    };
    let sections = vec!["clp".to_string(), "youth".to_string()];
    store
        .create_election(&NewElection {
            id: ELECTION,
            title: "NEC members' sections (demonstration)",
            constitution: BODY,
            constitution_file: "examples/demo/body.toml",
            sections: sections.clone(),
            dates: dates.clone(),
        })
        .await?;
    let ms = members(args.members.max(60));
    let text = roll_csv(&ms, today);
    let e = store.election(ELECTION).await?;
    let roll = roll::read(text.as_bytes(), "demo-roll.csv", &e.contests()?)
        .map_err(|r| anyhow::anyhow!("the demo roll: {}", r.error_lines().join("; ")))?;
    let sha = format!("{:x}", Sha256::digest(text.as_bytes()));
    store
        .import_roll(
            ELECTION,
            &roll,
            "demo-roll.csv",
            &sha,
            today.plus_days(-45),
            &mut |_| {},
        )
        .await?;
    // Candidates: 14 for the nine CLP seats (seven women), 3 for the youth seat.
    let adults: Vec<&Member> = ms.iter().filter(|m| !m.young).collect();
    let mut clp: Vec<&Member> = adults.iter().filter(|m| m.woman).take(7).copied().collect();
    clp.extend(adults.iter().filter(|m| !m.woman).take(7));
    let youth: Vec<&Member> = ms.iter().filter(|m| m.young).take(3).collect();
    let on = today.plus_days(-40);
    for (section, cands) in [("clp", &clp), ("youth", &youth)] {
        for (k, c) in cands.iter().enumerate() {
            store
                .nominate(
                    ELECTION,
                    section,
                    &c.id,
                    &format!("{} CLP", CLPS[k % CLPS.len()]),
                    "CLPs",
                    on,
                )
                .await?;
        }
        store.close_nominations(ELECTION, section).await?;
        store
            .draw_ballot_order(ELECTION, section, BallotOrder::Lot(20_260_101))
            .await?;
    }
    store.freeze_roll(ELECTION).await?;
    let key_path = args.dir.join("returning-officer.key");
    let (secret, public) = keys::generate()?;
    keys::write_signing_key(&key_path, &secret)?;
    store.set_public_key(ELECTION, &public).await?;
    let mut codes = Vec::new();
    for m in &ms {
        let issued = store
            .issue_credential(ELECTION, &m.id, Channel::Email, None)
            .await?;
        codes.push(issued.code.expose_secret().to_string());
    }
    store.open_poll(ELECTION, Revote::FirstStands).await?;

    // Two in three members have voted already, with preferences that favour some candidates.
    let mut r = Mix(7);
    let papers = [
        store.ballot_paper(ELECTION, "clp").await?,
        store.ballot_paper(ELECTION, "youth").await?,
    ];
    for (k, m) in ms.iter().enumerate() {
        if k % 3 == 0 {
            continue;
        }
        for (section, paper) in sections.iter().zip(&papers) {
            if section == "youth" && !m.young {
                continue;
            }
            let n = paper.candidates.len();
            // A popularity order with noise: lower positions are liked more by some voters.
            let mut order: Vec<u32> = (1..=n as u32).collect();
            for i in (1..n).rev() {
                let j = if r.below(3) == 0 { r.below(i + 1) } else { i };
                order.swap(i, j);
            }
            if r.below(2) == 0 {
                order.reverse();
            }
            let len = 1 + r.below(n);
            order.truncate(len);
            store
                .cast(ELECTION, &codes[k], section, Ballot(order))
                .await?;
        }
    }

    let password = {
        let mut b = [0u8; 12];
        getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("random source: {e}"))?;
        scrutin_record::hex(&b)
    };
    store
        .put_admin(
            "admin",
            &scrutin_web::hash_password(&password).map_err(anyhow::Error::msg)?,
        )
        .await?;

    let base = format!("http://{}", args.listen);
    let st = store.status(ELECTION).await?;
    writeln!(out, "scrutin demo: {} — {} members", e.title, ms.len())?;
    for c in &st.contests {
        writeln!(
            out,
            "  {}: {} electors, {} have voted",
            c.name,
            c.electors,
            c.online + c.postal
        )?;
    }
    writeln!(
        out,
        "\nVote as one of these members (each code votes once per contest):"
    )?;
    let mut shown = 0;
    for (k, m) in ms.iter().enumerate() {
        if k % 3 != 0 || (shown == 0 && !m.young) {
            continue;
        }
        writeln!(
            out,
            "  {} ({}{}): {base}/e/{ELECTION}/vote?code={}",
            m.name,
            m.id,
            if m.young {
                ", under 27: also votes for the youth representative"
            } else {
                ""
            },
            codes[k]
        )?;
        shown += 1;
        if shown == 5 {
            break;
        }
    }
    writeln!(
        out,
        "\nAdministration: {base}/admin — user admin, password {password}"
    )?;
    writeln!(
        out,
        "  (close the poll, count and publish there; the record is signed with {})",
        key_path.display()
    )?;
    writeln!(
        out,
        "Public pages: {base}/e/{ELECTION}  — the ballot box's head, turnout, results, trackers"
    )?;
    writeln!(
        out,
        "The demo's files: {} (made again on each run)",
        args.dir.display()
    )?;
    out.flush()?;
    if args.no_serve {
        store.close().await;
        return Ok(());
    }
    let mut config = scrutin_web::WebConfig::new(&base);
    config.signing_key = Some(keys::read_signing_key(&key_path)?);
    config.records_dir = args.dir.join("records");
    // Plain http on this machine only.
    config.secure_cookies = false;
    scrutin_web::init_logging();
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    writeln!(out, "\nServing {base} — Ctrl-C to stop.")?;
    out.flush()?;
    scrutin_web::serve(Arc::new(store), config, listener).await?;
    Ok(())
}
