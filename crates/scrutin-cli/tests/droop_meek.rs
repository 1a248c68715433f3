//! Conformance: Meek STV against Droop 0.11's dumps (`../shared/conformance/droop/ref/dump`,
//! rules whose names start `meek`; inputs in `droop/blt`).
//!
//! - `meek-prf-o6-fixed-p9-d9` (PR Foundation Reference Meek Rule) ⇔ our fixed9 with
//!   `Options::prf_reference` (kept part rounded up, surplus clamped at 0, omega test `<`).
//! - `meek-o10-rational-d12` (Droop's parametric Meek, rationals, omega 10^-10, batch
//!   defeats of sure losers) ⇔ our exact arithmetic with those options.
//! - `meek-o9-guarded-p18-g9-d18` (18-digit fixed point with 9 guard digits): not
//!   reproducible here (no such arithmetic); `warren-*` is a different rule.
//!
//! Checked: the elected set in order, and at every round the votes of each candidate at the
//! round's first decision row (fixed9: every digit; rational: Droop prints 12 places,
//! rounded, so within one unit of the 12th place of our exact value).

use std::path::PathBuf;

use scrutin_core::methods::meek::{self, MeekArithmetic, Options};
use scrutin_core::report::Report;
use scrutin_core::tie::LotOrder;
use scrutin_formats::blt;

mod common;
use common::droop::droop_dir;

struct Dump {
    /// Per round ≥ 1: the votes at its first decision row (candidate → vote).
    rounds: Vec<(u32, Vec<(String, String)>)>,
    elected: Vec<String>,
}

fn read_dump(text: &str) -> Dump {
    let mut rounds: Vec<(u32, Vec<(String, String)>)> = Vec::new();
    let mut elected = Vec::new();
    let mut prev: Vec<String> = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 6 || f[1] == "log" || f[1] == "round" || f[1] == "iterate" {
            continue;
        }
        let cands: Vec<(&str, &str, &str)> = f[6..]
            .chunks(4)
            .filter(|c| c.len() >= 3)
            .map(|c| (c[0], c[1], c[2]))
            .collect();
        // Newly elected, in candidate order (as Droop elects within an iteration).
        for (i, (name, state, _)) in cands.iter().enumerate() {
            let was = prev.get(i).map(String::as_str).unwrap_or("H");
            if *state == "E" && was != "E" {
                elected.push(name.to_string());
            }
        }
        prev = cands.iter().map(|c| c.1.to_string()).collect();
        let Ok(r) = f[0].parse::<u32>() else { continue };
        if r == 0 || !matches!(f[1], "elect" | "defeat" | "tie") {
            continue;
        }
        if rounds.last().map(|x| x.0) != Some(r) {
            rounds.push((
                r,
                cands
                    .iter()
                    .map(|(n, _, v)| (n.to_string(), v.to_string()))
                    .collect(),
            ));
        }
    }
    Dump { rounds, elected }
}

/// Decimal string → (units, places).
fn units(s: &str) -> (i128, u32) {
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (i, f) = s.split_once('.').unwrap_or((s, ""));
    let v: i128 = format!("{i}{f}").parse().unwrap();
    (if neg { -v } else { v }, f.len() as u32)
}

fn compare(report: &Report, d: &Dump, tolerance: i128) -> Result<String, String> {
    if report.elected != d.elected {
        return Err(format!(
            "elected {:?}, Droop {:?}",
            report.elected, d.elected
        ));
    }
    if report.stages.len() != d.rounds.len() {
        return Err(format!(
            "{} stages, Droop {} rounds",
            report.stages.len(),
            d.rounds.len()
        ));
    }
    for (s, (r, votes)) in report.stages.iter().zip(&d.rounds) {
        assert_eq!(s.number, *r);
        for (name, v) in votes {
            let ours = s
                .votes
                .get(name)
                .ok_or_else(|| format!("no candidate {name}"))?;
            let (want, places) = units(v);
            let (got, our_places) = units(ours);
            // Bring ours to Droop's places (ours are truncated; Droop's may be rounded).
            let got = if our_places >= places {
                got / 10i128.pow(our_places - places)
            } else {
                got * 10i128.pow(places - our_places)
            };
            if (got - want).abs() > tolerance {
                return Err(format!("round {r}: {name} has {ours}, Droop {v}"));
            }
        }
    }
    Ok(format!(
        "{} rounds, {} elected",
        d.rounds.len(),
        d.elected.len()
    ))
}

#[test]
fn droop_meek_dumps() {
    let Some(root) = droop_dir("the Droop Meek cases") else {
        return;
    };
    let mut dumps: Vec<PathBuf> = Vec::new();
    for dir in [root.join("ref/dump"), root.join("ref/dump/meek")] {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_str().unwrap().to_string();
            if p.is_file() && (name.contains("-meek-") || name.contains("-warren-")) {
                dumps.push(p);
            }
        }
    }
    dumps.sort();
    assert!(dumps.len() >= 20, "found only {} Meek dumps", dumps.len());
    let (mut pass, mut na) = (0, 0);
    let mut failures = Vec::new();
    println!("| case | result | detail |");
    println!("|---|---|---|");
    for p in &dumps {
        let file = p.file_name().unwrap().to_str().unwrap();
        let sub = if p.parent().unwrap().ends_with("meek") {
            "meek/"
        } else {
            ""
        };
        let (base, rule) = if let Some(i) = file.find("-meek-") {
            (&file[..i], &file[i + 1..file.len() - 4])
        } else {
            let i = file.find("-warren-").unwrap();
            (&file[..i], &file[i + 1..file.len() - 4])
        };
        let label = format!("{sub}{base} {rule}");
        let (options, tolerance): (fn(LotOrder) -> Options, i128) = match rule {
            "meek-prf-o6-fixed-p9-d9" => (Options::prf_reference, 0),
            "meek-o10-rational-d12" => (
                |lot| Options {
                    arithmetic: MeekArithmetic::Exact,
                    omega_exponent: 10,
                    clamp_surplus: false,
                    defeat_batch: true,
                    ..Options::stv_rs(lot)
                },
                1,
            ),
            r if r.starts_with("warren") => {
                na += 1;
                println!("| {label} | n/a | Warren's rule (keeps min(kf, value)), not Meek |");
                continue;
            }
            _ => {
                na += 1;
                println!(
                    "| {label} | n/a | guarded arithmetic (18 digits, 9 guard digits) not implemented |"
                );
                continue;
            }
        };
        let blt_path = root.join("blt").join(format!("{sub}{base}.blt"));
        let text = std::fs::read_to_string(&blt_path).unwrap();
        let bf = blt::read_str(&text, &blt_path.display().to_string()).unwrap();
        let lot = LotOrder::given(bf.tie_order.as_deref().unwrap_or(&[]), bf.candidates.len());
        let outcome = meek::count(&bf.election(), &options(lot))
            .map_err(|e| e.to_string())
            .and_then(|r| {
                compare(
                    &r,
                    &read_dump(&std::fs::read_to_string(p).unwrap()),
                    tolerance,
                )
            });
        match outcome {
            Ok(d) => {
                pass += 1;
                println!("| {label} | pass | {d} |");
            }
            Err(e) => {
                println!("| {label} | FAIL | {e} |");
                failures.push(format!("{label}: {e}"));
            }
        }
    }
    println!(
        "\n{pass} pass, {} fail, {na} not applicable ({} dumps)",
        failures.len(),
        dumps.len()
    );
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}
