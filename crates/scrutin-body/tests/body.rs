//! The constitution, declared results, reports, seat chart and vacancies, on the bundled Labour
//! NEC example (examples/labour-nec-2018) and on broken constitutions.

use std::path::{Path, PathBuf};

use scrutin_body::report::Composition;
use scrutin_body::results::{self, Contest, Figures};
use scrutin_body::{svg, vacancy, BodyError, Constitution, Dossier};
use scrutin_core::methods::Method;

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/labour-nec-2018")
}

fn load_dir(dir: &Path) -> Result<Dossier, BodyError> {
    let src = std::fs::read_to_string(dir.join("body.toml")).unwrap();
    Dossier::load(&src, "body.toml", |rel| {
        std::fs::read_to_string(dir.join(rel))
            .map(|t| (rel.to_string(), t))
            .map_err(|e| format!("cannot read {rel}: {e}"))
    })
}

fn nec() -> Dossier {
    load_dir(&example_dir()).unwrap_or_else(|e| panic!("the NEC example is invalid:\n{e}"))
}

/// A small valid constitution to break in the tests below.
const SMALL: &str = r#"
[body]
name = "Board"
seats = 5

[[section]]
id = "chair"
name = "Chair"
seats = 1
filled_by = "ex-officio"
office = "Chair of the society"

[[section]]
id = "members"
name = "Members' seats"
seats = 4
filled_by = "elected"
method = "scottish-stv"
min = ["gender=woman:2"]

[section.electorate]
kind = "members"
who = "members"
"#;

fn errors(src: &str) -> Vec<String> {
    match Constitution::parse(src, "board.toml") {
        Ok(_) => panic!("accepted:\n{src}"),
        Err(e) => e.issues().iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn small_constitution_is_valid() {
    let c = Constitution::parse(SMALL, "board.toml").unwrap();
    assert_eq!(c.seats(), 5);
    assert_eq!(c.section("members").unwrap().rules().len(), 1);
}

#[test]
fn seats_not_adding_up_is_located() {
    let e = errors(&SMALL.replace("seats = 5", "seats = 6"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        e[0],
        "board.toml:4: body.seats: the body has 6 seats but its sections' seats add up to 5 (chair 1 + members 4)"
    );
}

#[test]
fn unknown_method_is_located() {
    let e = errors(&SMALL.replace("scottish-stv", "borda"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with(
            "board.toml:18: section[1].method: unknown method \"borda\"; known: scottish-stv, meek"
        ),
        "{}",
        e[0]
    );
}

#[test]
fn minimum_above_seats_cannot_be_met() {
    let e = errors(&SMALL.replace("gender=woman:2", "gender=woman:5"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        e[0],
        "board.toml:19: section[1].min[0]: at least 5 seats for gender=woman cannot be met: section \"members\" has only 4 seat(s)"
    );
}

#[test]
fn minimums_adding_past_the_seats_and_min_above_max_are_refused() {
    let e = errors(&SMALL.replace(
        "min = [\"gender=woman:2\"]",
        "min = [\"gender=woman:2\", \"gender=man:3\"]\nmax = [\"gender=woman:1\"]",
    ));
    assert!(
        e.iter().any(|x| x.contains("the minimums for gender (gender=woman 2, gender=man 3) add up to 5, more than the 4 seat(s)")),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|x| x.contains("at least 2 but at most 1 seats for gender=woman")),
        "{e:?}"
    );
}

#[test]
fn malformed_constraint_and_bad_options_are_located() {
    let e = errors(&SMALL.replace(
        "min = [\"gender=woman:2\"]",
        "min = [\"women 2\"]\n[section.options]\narithmetic = \"fixed99\"",
    ));
    assert!(
        e.iter().any(|x| x.starts_with(
            "board.toml:19: section[1].min[0]: \"women 2\": expected attribute=value:number"
        )),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|x| x
                .starts_with("board.toml:21: section[1].options.arithmetic: unknown arithmetic")),
        "{e:?}"
    );
}

#[test]
fn toml_syntax_and_unknown_keys_give_line_and_key_path() {
    let e = errors(&SMALL.replace("seats = 4", "sets = 4"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("board.toml:16: section[1].sets: unknown field `sets`"),
        "{}",
        e[0]
    );
    let e = errors(&SMALL.replace("filled_by = \"elected\"", "filled_by = \"lottery\""));
    assert!(
        e[0].starts_with("board.toml:17: section[1].filled_by: unknown variant `lottery`"),
        "{}",
        e[0]
    );
    let e = errors("[body\nname = 1");
    assert!(e[0].starts_with("board.toml:1:"), "{}", e[0]);
}

#[test]
fn elected_section_needs_method_and_electorate_and_irv_one_seat() {
    let e = errors(&SMALL.replace("method = \"scottish-stv\"\n", "").replace(
        "[section.electorate]\nkind = \"members\"\nwho = \"members\"\n",
        "",
    ));
    assert!(
        e.iter().any(|x| x.contains("is elected: give its method")),
        "{e:?}"
    );
    assert!(
        e.iter().any(|x| x.contains("describe its [electorate]")),
        "{e:?}"
    );
    let e = errors(&SMALL.replace("scottish-stv", "irv"));
    assert!(
        e.iter()
            .any(|x| x.contains("irv elects one candidate, but 4 seats")),
        "{e:?}"
    );
}

#[test]
fn colleges_must_share_100_and_sources_must_exist() {
    let src = SMALL.replace(
        "kind = \"members\"\nwho = \"members\"\n",
        "kind = \"colleges\"\nsources = [\"nowhere\"]\n[[section.electorate.college]]\nname = \"a\"\nwho = \"members\"\nshare = 50\n[[section.electorate.college]]\nname = \"b\"\nwho = \"unions\"\nshare = 40\n",
    );
    let e = errors(&src);
    assert!(
        e.iter()
            .any(|x| x.contains("the colleges' shares add up to 90%, not 100%")),
        "{e:?}"
    );
    assert!(
        e.iter().any(|x| x.contains(
            "section[1].electorate.sources[0]: source \"nowhere\" is not in the [sources] table"
        )),
        "{e:?}"
    );
    // An unknown share is allowed, and then the sum is not checked.
    let ok = src
        .replace("share = 40", "share = \"unknown\"")
        .replace("sources = [\"nowhere\"]\n", "");
    Constitution::parse(&ok, "board.toml").unwrap();
}

#[test]
fn nec_example_validates_with_39_seats_and_members_9_of_39() {
    let d = nec();
    let c = &d.constitution;
    assert_eq!(c.seats(), 39);
    assert_eq!(c.sections.len(), 14);
    assert_eq!(c.sections.iter().map(|s| s.seats()).sum::<u32>(), 39);
    let comp = Composition::of(&d);
    let members = comp.who_elects.iter().find(|r| r.who == "members").unwrap();
    assert_eq!((members.seats, members.percent.as_str()), (9, "23.1"));
    assert_eq!(members.sections, ["clp"]);
    let unions = comp
        .who_elects
        .iter()
        .find(|r| r.who == "trade unions")
        .unwrap();
    assert_eq!((unions.seats, unions.percent.as_str()), (13, "33.3"));
    assert_eq!(comp.who_elects.iter().map(|r| r.seats).sum::<u32>(), 39);
    // College seats shared out: unions 13 + 0.5 (treasurer) + 0.5 (youth).
    let w = comp
        .who_elects_weighted
        .iter()
        .find(|r| r.who == "trade unions")
        .unwrap();
    assert_eq!(w.seats, "14.00");
    // Women: 20 of 39 stated by Ann Black's report; the named holders are fewer.
    assert_eq!(comp.gender.stated[0].seats, 20);
    assert_eq!(comp.gender.stated[0].percent, "51.3");
    let text = comp.to_text();
    assert!(text.contains("39 seats in 14 sections"), "{text}");
    assert!(
        text.contains("members                                          9 of 39   23.1%   clp"),
        "{text}"
    );
    // What the sources leave uncertain stays marked.
    assert!(text.contains("bame: method (U)"), "{text}");
    assert!(text.contains("trade-unions: electorate (S)"), "{text}");
}

#[test]
fn nec_january_2018_by_election_is_loaded_and_checked() {
    let d = nec();
    let l = &d.results["clp-2018-01"];
    assert_eq!(l.section, "clp");
    assert_eq!(l.checked.sum, 315_005);
    let elected: Vec<(&str, Option<u64>)> = l
        .result
        .elected()
        .map(|r| (r.candidate.as_str(), r.figure))
        .collect();
    assert_eq!(
        elected,
        [
            ("Yasmine Dar", Some(68_388)),
            ("Jon Lansman", Some(65_163)),
            ("Rachel Garnham", Some(62_982))
        ]
    );
    let izzard = l.result.row("Eddie Izzard").unwrap();
    assert_eq!((izzard.figure, izzard.elected), (Some(39_508), false));
    assert_eq!(
        izzard.attributes["slate"],
        "independent; Progress/Labour First-backed"
    );
    let comp = Composition::of(&d);
    let slate = comp
        .slates
        .iter()
        .find(|s| s.slate == "Momentum / CLGA")
        .unwrap();
    assert_eq!((slate.seats, slate.not_confirmed), (9, 6));
}

#[test]
fn vacancy_shawcroft_is_filled_by_izzard_as_runner_up() {
    let d = nec();
    let out = vacancy::fill(&d, "clp", "Christine Shawcroft").unwrap();
    assert_eq!(out.successor.as_deref(), Some("Eddie Izzard"));
    assert_eq!(out.rule, "runner-up");
    let text = out.to_text();
    assert!(
        text.contains("Successor: Eddie Izzard, 4th with 39,508 votes"),
        "{text}"
    );
    assert!(
        text.contains("Last count: clp-2018-01 (2018-01-15)"),
        "{text}"
    );
    assert!(text.contains("the rule gives the same successor"), "{text}");

    // Errors are clear, not panics.
    let e = vacancy::fill(&d, "clp", "Eddie Izzard")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("\"Eddie Izzard\" does not hold a seat in section \"clp\""),
        "{e}"
    );
    let e = vacancy::fill(&d, "nope", "X").unwrap_err().to_string();
    assert!(
        e.starts_with("no section \"nope\" (known: leader, deputy-leader"),
        "{e}"
    );
    // Ex officio seats pass with the office.
    let out = vacancy::fill(&d, "leader", "Jeremy Corbyn").unwrap();
    assert_eq!(out.successor, None);
    assert!(out.to_text().contains("passes with the office"));
}

#[test]
fn runner_up_respects_a_minimum_of_women() {
    // Two seats, at least one woman; the woman leaves; the best-placed runner-up is a man and
    // is passed over for the best-placed woman.
    let src = r#"
[body]
name = "Committee"
seats = 2

[[section]]
id = "s"
name = "Elected"
seats = 2
filled_by = "elected"
method = "block"
min = ["gender=woman:1"]
vacancy = { rule = "runner-up" }
[section.electorate]
kind = "members"
who = "members"
[[section.member]]
name = "Ann"
gender = "woman"
elected_in = "r"
[[section.member]]
name = "Bob"
gender = "man"
elected_in = "r"
[[section.result]]
id = "r"
file = "r.csv"
seats = 2
method = "block"
min = ["gender=woman:1"]
"#;
    let csv = "candidate,votes,elected,gender\nBob,100,yes,man\nAnn,90,yes,woman\nCarl,80,no,man\nDora,70,no,woman\n";
    let d = Dossier::load(src, "c.toml", |_| Ok(("r.csv".into(), csv.into()))).unwrap();
    let out = vacancy::fill(&d, "s", "Ann").unwrap();
    assert_eq!(out.successor.as_deref(), Some("Dora"));
    assert!(out
        .to_text()
        .contains("Passed over: Carl (3rd, 80): would break gender=woman min 1."));
    // Bob leaving: Carl keeps the minimum (Ann stays), so Carl.
    let out = vacancy::fill(&d, "s", "Bob").unwrap();
    assert_eq!(out.successor.as_deref(), Some("Carl"));
}

#[test]
fn a_member_not_elected_in_the_named_result_is_refused() {
    let dir = example_dir();
    let src = std::fs::read_to_string(dir.join("body.toml"))
        .unwrap()
        .replace("name = \"Rachel Garnham\"", "name = \"Eddie Izzard\"");
    let e = Dossier::load(&src, "body.toml", |rel| {
        std::fs::read_to_string(dir.join(rel))
            .map(|t| (rel.to_string(), t))
            .map_err(|e| e.to_string())
    })
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("section[6].member[8].elected_in: \"Eddie Izzard\" is not marked elected in results/clp-2018-01-by-election.csv (line 5)"),
        "{msg}"
    );
}

#[test]
fn seat_chart_has_39_seats_coloured_by_section() {
    let d = nec();
    let chart = svg::by_section(&d.constitution);
    assert_eq!(chart.groups.len(), 14);
    assert_eq!(
        chart
            .groups
            .iter()
            .map(|g| g.named + g.unnamed)
            .sum::<u32>(),
        39
    );
    let s = svg::hemicycle(&chart);
    // 39 seats and the legend's open-circle key.
    assert_eq!(s.matches("<circle").count(), 40);
    // The CLP section's nine named holders, in its colour (plus its legend swatch).
    assert_eq!(s.matches("fill=\"#dc2626\"").count(), 10);
    assert!(s.contains("Constituency Labour Party (members&#39;) section (9)"));
    let by_slate = svg::hemicycle(&svg::by_slate(&d.constitution));
    assert_eq!(by_slate.matches("fill=\"#c8102e\"").count(), 9 + 1);
}

/// The declared results in the shared reference data, with the seats and sums that
/// results/SOURCES.md states for each.
fn shared_results() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/labour-nec/results");
    p.is_dir().then_some(p)
}

#[test]
fn every_shared_results_csv_imports_and_checks() {
    let Some(dir) = shared_results() else {
        eprintln!("SKIPPED: ../shared/data/labour-nec/results not present");
        return;
    };
    // From the summary table of results/SOURCES.md: file, seats, candidates, elected, sum.
    let sources = std::fs::read_to_string(dir.join("SOURCES.md")).unwrap();
    let mut table = Vec::new();
    for line in sources.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() > 6 && cells[1].starts_with('`') && cells[1].ends_with(".csv`") {
            let num = |s: &str| -> u64 {
                s.split_whitespace()
                    .next()
                    .unwrap()
                    .replace([',', '.'], "")
                    .parse()
                    .unwrap()
            };
            table.push((
                cells[1].trim_matches('`').to_string(),
                num(cells[2]) as u32,
                num(cells[3]) as usize,
                num(cells[4]) as usize,
                num(cells[5]),
            ));
        }
    }
    let mut csvs: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    csvs.sort();
    assert!(csvs.len() >= 11, "{csvs:?}");
    for name in &csvs {
        let (_, seats, candidates, elected, sum) = table
            .iter()
            .find(|t| &t.0 == name)
            .unwrap_or_else(|| panic!("{name} is not in the SOURCES.md summary"));
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let r = results::parse(&text, name).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        // Percentages only: the method is not known; block votes elect the top by votes.
        let method = (r.figures == Figures::Votes).then_some(Method::Block);
        let complete = r.rows.iter().all(|x| x.figure.is_some());
        let contest = Contest {
            seats: *seats,
            method,
            total_votes: (r.figures == Figures::Votes && complete).then_some(*sum),
            ..Contest::default()
        };
        let c = results::check(&r, &contest, name).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!((c.candidates, c.elected), (*candidates, *elected), "{name}");
        assert_eq!(c.sum, *sum, "{name}: sum of the known figures");
        eprintln!(
            "{name}: {} candidates, {} elected, sum {} — ok",
            c.candidates, c.elected, c.sum
        );
    }
}

#[test]
fn result_checks_catch_wrong_declarations() {
    let text = "candidate,votes,elected\nA,100,yes\nB,90,no\nC,95,yes\n";
    let r = results::parse(text, "r.csv").unwrap();
    let block = Contest {
        seats: 2,
        method: Some(Method::Block),
        ..Contest::default()
    };
    // B (90) below C (95): fine.
    let c = results::check(&r, &block, "r.csv").unwrap();
    assert_eq!((c.candidates, c.elected, c.sum), (3, 2, 285));
    // B above C, elected in its place: refused.
    let text = "candidate,votes,elected\nA,100,yes\nB,96,no\nC,95,yes\n";
    let r = results::parse(text, "r.csv").unwrap();
    let e = results::check(&r, &block, "r.csv").unwrap_err();
    assert_eq!(
        e[0].to_string(),
        "r.csv:3: B has 96 votes and is not elected, but C (line 4) is elected with 95: a block vote or first past the post elects the top 2 by votes"
    );
    // Seats filled and the stated total.
    let three = Contest {
        seats: 3,
        method: Some(Method::Block),
        total_votes: Some(290),
        ..Contest::default()
    };
    let text = "candidate,votes,elected\nA,100,yes\nB,90,yes\nC,95,yes\n";
    let r = results::parse(text, "r.csv").unwrap();
    let e = results::check(&r, &three, "r.csv").unwrap_err();
    assert_eq!(
        e[0].to_string(),
        "r.csv: the votes add up to 285, but the stated total is 290"
    );
    // Parse errors name the line.
    let e =
        results::parse("candidate,votes,elected\nA,1 000,yes\nB,2,maybe\n", "x.csv").unwrap_err();
    assert_eq!(
        e[0].to_string(),
        "x.csv:2: votes \"1 000\" is not a whole number (write 68388, without separators)"
    );
    assert_eq!(
        e[1].to_string(),
        "x.csv:3: elected must be yes or no, not \"maybe\""
    );
    let e = results::parse("name,votes\n", "y.csv").unwrap_err();
    assert!(e[0]
        .to_string()
        .starts_with("y.csv:1: no column \"candidate\""));
}

#[test]
fn result_constraints_are_checked_where_attributes_are_known() {
    let rules = vec![scrutin_core::constraints::Rule::parse("gender=woman:1", true).unwrap()];
    let contest = Contest {
        seats: 2,
        method: Some(Method::Block),
        rules,
        ..Contest::default()
    };
    // Replacement explains an elected woman below an unelected man.
    let text = "candidate,votes,elected,gender\nA,100,yes,man\nB,90,no,man\nC,80,yes,woman\n";
    let c = results::check(&results::parse(text, "g.csv").unwrap(), &contest, "g.csv").unwrap();
    assert!(
        c.notes
            .iter()
            .any(|n| n.contains("the constraints replaced them")),
        "{:?}",
        c.notes
    );
    // Two men elected: the minimum is not met.
    let text = "candidate,votes,elected,gender\nA,100,yes,man\nB,90,yes,man\nC,80,no,woman\n";
    let e = results::check(&results::parse(text, "g.csv").unwrap(), &contest, "g.csv").unwrap_err();
    assert_eq!(
        e[0].to_string(),
        "g.csv: constraint gender=woman min 1 is not met: 0 elected in the group"
    );
    // Gender not given: cannot tell, said so.
    let text = "candidate,votes,elected\nA,100,yes\nB,90,yes\nC,80,no\n";
    let c = results::check(&results::parse(text, "g.csv").unwrap(), &contest, "g.csv").unwrap();
    assert!(
        c.notes
            .iter()
            .any(|n| n.starts_with("constraint gender=woman min 1: cannot tell")),
        "{:?}",
        c.notes
    );
}
