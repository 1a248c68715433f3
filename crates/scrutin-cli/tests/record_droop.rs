//! The record's BLT export recounts as an independent implementation counted the same
//! ballots: each of the 21 Glasgow 2007 wards is put through a ballot box and a published
//! record (chain, Merkle root, signature — `verify` passes), its exported BLT is read back and
//! counted under the Scottish rules, and every stage's totals match Droop 0.11's dump for that
//! ward (`../shared/conformance/droop`). So a scrutineer with OpenSTV, Droop or OpaVote can
//! recount a scrutin record and get the declared result.

use std::path::Path;

use scrutin_core::methods::scottish_stv::{self, Options};
use scrutin_core::model::RankView;
use scrutin_core::tie::{LotOrder, PriorStageReading};
use scrutin_formats::blt;
use scrutin_record::ballot::Ballot;
use scrutin_record::chain::{self, BallotChannel, Entry};
use scrutin_record::contest::{tally, CandidateSpec, ContestSpec};
use scrutin_record::{keys, ContestInput, RecordInput, VerifyOptions};

mod common;
use common::droop::{compare, droop_dir, read_dump};

/// The ward's ballots as a closed box: one online entry per paper.
fn boxed(file: &blt::BltFile, id: &str) -> Vec<Entry> {
    let e = file.clone().into_election();
    let mut entries = Vec::new();
    for (k, b) in e.profile.ballots().enumerate() {
        let prefs: Vec<u32> = b
            .ranks()
            .map(|r| match r {
                RankView::One(c) => c.0 + 1,
                other => panic!("{id}: ballot {k}: {other:?} cannot be cast online"),
            })
            .collect();
        for n in 0..b.weight.as_integer().expect("whole papers") {
            entries.push(Entry {
                contest: "ward".into(),
                tracker: format!("T{k}-{n}"),
                channel: BallotChannel::Online,
                replaces: None,
                ballot: Ballot(prefs.clone()),
            });
        }
    }
    entries
}

fn check_ward(blt_path: &Path, dump_path: &Path, out: &Path) -> Result<(), String> {
    let id = blt_path.file_stem().unwrap().to_string_lossy().to_string();
    let text = std::fs::read_to_string(blt_path).unwrap();
    let file = blt::read_str(&text, &blt_path.display().to_string()).map_err(|e| e.to_string())?;
    let entries = boxed(&file, &id);
    let head = chain::head_of(
        &id,
        entries.iter().map(Entry::leaf).collect::<Vec<_>>().iter(),
    );
    let spec = ContestSpec {
        id: "ward".into(),
        name: file.title.clone(),
        seats: file.seats,
        method: "scottish-stv".into(),
        marks: None,
        arithmetic: None,
        tie_break: None,
        tie_reading: None,
        constraint_strategy: None,
        min: vec![],
        max: vec![],
        seed: chain::seed_of(&head),
        candidates: file
            .candidates
            .iter()
            .map(|n| CandidateSpec {
                name: n.clone(),
                attributes: Default::default(),
                withdrawn: false,
            })
            .collect(),
    };
    let report =
        tally(&spec, &file.title, entries.iter().map(|e| &e.ballot)).map_err(|e| e.to_string())?;
    let (secret, public) = keys::generate().unwrap();
    let key = keys::signing_key_from_hex(&secret).unwrap();
    let dir = out.join(&id);
    let input = RecordInput {
        election_id: id.clone(),
        title: file.title.clone(),
        body: "Glasgow City Council".into(),
        constitution: format!(
            "[body]\nname = \"Glasgow City Council\"\nseats = {seats}\n\n[[section]]\nid = \"ward\"\n\
             name = {name}\nseats = {seats}\nfilled_by = \"elected\"\nmethod = \"scottish-stv\"\n\n\
             [section.electorate]\nkind = \"members\"\nwho = \"local government electors\"\n",
            seats = file.seats,
            name = toml::Value::String(file.title.clone()),
        ),
        roll_fingerprint: "0".repeat(64),
        roll_members: entries.len() as u64,
        opened: None,
        closed: None,
        contests: vec![ContestInput {
            spec,
            electors: entries.len() as u64,
            online: entries.len() as u64,
            postal: 0,
            rejected_postal: 0,
            report,
        }],
        entries,
    };
    scrutin_record::write_record(&dir, &input, &key).map_err(|e| e.to_string())?;
    scrutin_record::verify(
        &dir,
        &VerifyOptions {
            public_key: Some(public),
            head: Some(scrutin_record::hex(&head)),
        },
    )
    .map_err(|d| format!("verify: {d}"))?;
    // The export, read back as any BLT reader would, counted as Droop counts.
    let exported =
        std::fs::read_to_string(dir.join("exports/ward.blt")).map_err(|e| e.to_string())?;
    let again = blt::read_str(&exported, "exports/ward.blt").map_err(|e| e.to_string())?;
    if again.candidates != file.candidates || again.seats != file.seats {
        return Err("the export's candidates or seats differ from the ward's".into());
    }
    let n = again.candidates.len();
    let recount = scottish_stv::count(
        &again.into_election(),
        &Options {
            reading: PriorStageReading::UniqueExtreme,
            lot: LotOrder::given(&[], n),
        },
    )
    .map_err(|e| e.to_string())?;
    let dump = std::fs::read_to_string(dump_path).unwrap();
    let (quota, rounds, elected) = read_dump(&dump);
    let exceptions = compare(&recount, &quota, &rounds, &elected, false)?;
    if exceptions.iter().any(|x| x != "zero-surplus round skipped") {
        return Err(format!("unexpected exceptions {exceptions:?}"));
    }
    if recount.elected != input.contests[0].report.elected {
        return Err(format!(
            "the export recounts to {:?}, the record declared {:?}",
            recount.elected, input.contests[0].report.elected
        ));
    }
    Ok(())
}

#[test]
fn exported_blt_of_every_glasgow_ward_recounts_to_droops_reference() {
    let Some(dir) = droop_dir("the record's BLT export against Droop's Glasgow wards") else {
        return;
    };
    let out = std::env::temp_dir().join(format!("scrutin-record-droop-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let mut wards = Vec::new();
    for e in std::fs::read_dir(dir.join("blt/scotland")).unwrap() {
        let p = e.unwrap().path();
        let stem = p.file_stem().unwrap().to_string_lossy().to_string();
        if stem.starts_with("weak-") {
            continue; // the two tie cases are not wards
        }
        let dump = dir.join(format!("ref/dump/scotland/{stem}-scotland-fixed-p5-d5.txt"));
        wards.push((p, dump));
    }
    wards.sort();
    assert_eq!(wards.len(), 21, "the 21 Glasgow 2007 wards");
    let failures: Vec<String> = wards
        .iter()
        .filter_map(|(b, d)| {
            check_ward(b, d, &out)
                .err()
                .map(|e| format!("{}: {e}", b.display()))
        })
        .collect();
    let _ = std::fs::remove_dir_all(&out);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
