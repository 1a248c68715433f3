//! Tests of the BLT reader and writer: dialect features, exact error messages, the shared
//! real-world files, and property tests (no panics; write-then-read round trips).

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use scrutin_core::model::RankView;
use scrutin_core::{Candidate, CandidateId, Election, Profile, ProfileBuilder, Rank, Weight};
use scrutin_formats::blt::{self, BltError, BltFile};

// ---------------------------------------------------------------------------------------------
// Helpers

fn parse(text: &str) -> BltFile {
    match blt::read_str(text, "test.blt") {
        Ok(f) => f,
        Err(e) => panic!("expected {text:?} to parse, got: {e}"),
    }
}

fn error(text: &str) -> String {
    match blt::read_str(text, "nec.blt") {
        Ok(_) => panic!("expected {text:?} to fail"),
        Err(e @ BltError::Syntax { .. }) => e.to_string(),
        Err(e) => panic!("expected a syntax error, got {e}"),
    }
}

/// A ranking as plain data: each rank is the 1-based candidates at it; a skip is empty.
type Ranking = Vec<Vec<u32>>;

fn ranking_of(profile: &Profile, i: usize) -> Ranking {
    profile
        .ballot(i)
        .ranks()
        .map(|r| match r {
            RankView::One(c) => vec![c.0 + 1],
            RankView::Equal(g) => g.iter().map(|c| c.0 + 1).collect(),
            RankView::Skipped => vec![],
        })
        .collect()
}

/// The profile as a sorted multiset of (ranking, weight in millionths).
fn multiset(profile: &Profile) -> Vec<(Ranking, u64)> {
    let mut v: Vec<_> = (0..profile.len())
        .map(|i| (ranking_of(profile, i), profile.ballot(i).weight.micro()))
        .collect();
    v.sort();
    v
}

fn ballots(f: &BltFile) -> Vec<(Ranking, String)> {
    (0..f.profile.len())
        .map(|i| {
            (
                ranking_of(&f.profile, i),
                f.profile.ballot(i).weight.to_string(),
            )
        })
        .collect()
}

fn r(ranks: &[&[u32]]) -> Ranking {
    ranks.iter().map(|r| r.to_vec()).collect()
}

fn ids(v: &[u32]) -> Vec<CandidateId> {
    v.iter().map(|&i| CandidateId(i)).collect()
}

fn names(f: &BltFile) -> Vec<&str> {
    f.candidates.iter().map(String::as_str).collect()
}

// ---------------------------------------------------------------------------------------------
// Dialect features

#[test]
fn plain_file_with_quoted_names() {
    let f = parse("3 2\n4 1 2 0\n2 3 0\n0\n\"Castor\"\n\"Pollux\"\n\"Helen\"\n\"Twins\"\n");
    assert_eq!(f.seats, 2);
    assert_eq!(names(&f), ["Castor", "Pollux", "Helen"]);
    assert_eq!(f.title, "Twins");
    assert_eq!(f.withdrawn, vec![]);
    assert_eq!(
        ballots(&f),
        vec![(r(&[&[1], &[2]]), "4".into()), (r(&[&[3]]), "2".into())]
    );
    let names_in_profile: Vec<&str> = f
        .profile
        .candidates()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names_in_profile, names(&f));
    assert_eq!(f.tie_order, None);
    assert_eq!(f.nicknames, None);
    assert!(f.options.is_empty());
}

#[test]
fn unquoted_names_are_the_trimmed_line() {
    let f = parse("2 1\n1 1 0\n0\n  Isabel HUTTON (SNP)  \nJo \"Jay\" SMITH\nWard 1 - Dyce\n");
    assert_eq!(names(&f), ["Isabel HUTTON (SNP)", "Jo \"Jay\" SMITH"]);
    assert_eq!(f.title, "Ward 1 - Dyce");
}

#[test]
fn doubled_quotes_and_inner_spaces_are_kept() {
    let f = parse(
        "2 1\n1 2 1 0\n0\n\"Lab \"\"Barney CROCKETT\"\" \"\n\"  Kieran  Wild \"\n\"A \"\"quoted\"\" title\"",
    );
    assert_eq!(names(&f), ["Lab \"Barney CROCKETT\" ", "  Kieran  Wild "]);
    assert_eq!(f.title, "A \"quoted\" title");
}

#[test]
fn a_second_quoted_string_is_the_party() {
    let f = parse("3 1\n1 1 0\n0\n\"Sasha BRYDON\" \"Scottish Labour Party\"\n\"B\" \"\"\n\"C\" \"X\" \"Y\"\n\"Ward\"\n");
    assert_eq!(
        names(&f),
        ["Sasha BRYDON (Scottish Labour Party)", "B", "C (X, Y)"]
    );
    assert_eq!(f.title, "Ward");
}

#[test]
fn names_from_alternative_name_comments() {
    let text = "3 1\n5 1 0\n0\n# ALTERNATIVE NAME 2: Erin Boyle (Con)\n# other comment\n\
                # ALTERNATIVE NAME 1: Nina Baker (Grn)\n# ALTERNATIVE NAME 3:   Philip Braat (Lab)  \n\
                Anderson ward";
    let f = parse(text);
    assert_eq!(
        names(&f),
        ["Nina Baker (Grn)", "Erin Boyle (Con)", "Philip Braat (Lab)"]
    );
    assert_eq!(f.title, "Anderson ward");
}

#[test]
fn real_names_win_over_alternative_name_comments() {
    let f = parse("2 1\n1 1 0\n0\n# ALTERNATIVE NAME 1: Other\n\"A\"\n\"B\"\n\"T\"\n");
    assert_eq!(names(&f), ["A", "B"]);
    assert_eq!(f.title, "T");
}

#[test]
fn trailing_commas_are_ignored() {
    let f = parse("5 1,\n786 1 0,\n87 1 2 0,\n0,\nKathleen BAIRD,\nB,\nWilma,LUMSDEN\nD,\nE,\nWard 9 - Almond and Earn,");
    assert_eq!(f.candidates.len(), 5);
    assert_eq!(f.seats, 1);
    assert_eq!(
        names(&f),
        ["Kathleen BAIRD", "B", "Wilma,LUMSDEN", "D", "E"]
    );
    assert_eq!(f.title, "Ward 9 - Almond and Earn");
    assert_eq!(
        ballots(&f),
        vec![(r(&[&[1]]), "786".into()), (r(&[&[1], &[2]]), "87".into())]
    );
}

#[test]
fn bom_and_crlf() {
    let f = parse("\u{feff}3 2\r\n4 1 2 0\r\n\r\n2 3 0\r\n0\r\n\"Cåstor\"\r\n\"Pøllüx\"\r\n\"Hélen\"\r\n\"Tie\"\r\n");
    assert_eq!(f.seats, 2);
    assert_eq!(names(&f), ["Cåstor", "Pøllüx", "Hélen"]);
    assert_eq!(f.title, "Tie");
    assert_eq!(f.profile.len(), 2);
}

#[test]
fn blank_lines_and_comments_anywhere() {
    let f = parse("\n# a comment\n\n  2 1  \n\n# between\n3 1 0\n\n  \t\n1 2 0\n\n0\n\n\"A\"\n# c\n\n\"B\"\n\n\"T\"\n\n");
    assert_eq!(names(&f), ["A", "B"]);
    assert_eq!(f.title, "T");
    assert_eq!(f.profile.len(), 2);
}

#[test]
fn nick_withdrawn_and_tie_options() {
    let text =
        "4 2\n[nick apple banana cherry date]\n[withdrawn banana 4]\n[tie date cherry 2 apple]\n\
                [droop precision=5 meek]\n3 apple banana=3 - date 0\n1 cherry 0\n0\n\
                \"Apple\"\n\"Banana\"\n\"Cherry\"\n\"Date\"\n\"Veg\"\n";
    let f = parse(text);
    assert_eq!(
        f.nicknames.as_deref(),
        Some(&["apple", "banana", "cherry", "date"].map(String::from)[..])
    );
    assert_eq!(f.withdrawn, ids(&[1, 3]));
    assert_eq!(f.tie_order, Some(ids(&[3, 2, 1, 0])));
    assert_eq!(
        f.options,
        vec![(
            "droop".to_owned(),
            vec!["precision=5".to_owned(), "meek".to_owned()]
        )]
    );
    assert_eq!(
        ballots(&f),
        vec![
            (r(&[&[1], &[2, 3], &[], &[4]]), "3".into()),
            (r(&[&[3]]), "1".into())
        ]
    );
    let e = f.election();
    assert_eq!(e.withdrawn, ids(&[1, 3]));
    assert_eq!(e.title, "Veg");
    assert_eq!(e.seats, 2);
}

#[test]
fn withdrawn_option_by_number_and_negative_line() {
    let f = parse("5 2\n-1 -5\n[withdrawn 4]\n1 2 0\n0\nA\nB\nC\nD\nE\n");
    assert_eq!(f.withdrawn, ids(&[0, 4, 3]));
    let f = parse("13 4\n-4\n1 7 0\n0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\nT");
    assert_eq!(f.withdrawn, ids(&[3]));
    assert_eq!(f.into_election().withdrawn, ids(&[3]));
}

#[test]
fn ballot_ids_are_ignored() {
    let f = parse("2 1\n(b1) 3 1 2 0\n(second id) 2 2 0\n(x)1 1 2 0\n0\nA\nB\n");
    assert_eq!(
        ballots(&f),
        vec![(r(&[&[1], &[2]]), "4".into()), (r(&[&[2]]), "2".into())]
    );
}

#[test]
fn equal_ranks_and_skips() {
    let f = parse("4 2\n1 1=2=3 - 4 0\n2 - - 2 0\n1 3=4 1=2 0\n0\nA\nB\nC\nD\n");
    assert_eq!(
        ballots(&f),
        vec![
            (r(&[&[1, 2, 3], &[], &[4]]), "1".into()),
            (r(&[&[], &[], &[2]]), "2".into()),
            (r(&[&[3, 4], &[1, 2]]), "1".into()),
        ]
    );
    assert!(!f.profile.ballot(0).is_strict());
}

#[test]
fn decimal_weights() {
    let f = parse("2 1\n123456.5 1 0\n0.000001 2 0\n1. 1 2 0\n0\nA\nB\n");
    assert_eq!(
        ballots(&f),
        vec![
            (r(&[&[1]]), "123456.5".into()),
            (r(&[&[2]]), "0.000001".into()),
            (r(&[&[1], &[2]]), "1".into()),
        ]
    );
    assert_eq!(
        f.profile.total_weight(),
        Weight::parse("123457.500001").unwrap()
    );
}

#[test]
fn empty_and_zero_weight_ballots() {
    let f = parse("2 1\n5 0\n0 1 0\n0 0\n0\nA\nB\n");
    assert_eq!(
        ballots(&f),
        vec![(vec![], "5".into()), (r(&[&[1]]), "0".into())]
    );
    assert_eq!(f.profile.ballots_pushed(), 3);
}

#[test]
fn identical_ballots_are_merged() {
    let f = parse("3 1\n1 1 2 0\n2 3 0\n1.5 1 2 0\n(id) 4 1 2 0\n1 1 2 3 0\n0\nA\nB\nC\n");
    assert_eq!(f.profile.len(), 3);
    assert_eq!(f.profile.ballots_pushed(), 5);
    assert_eq!(
        ballots(&f),
        vec![
            (r(&[&[1], &[2]]), "6.5".into()),
            (r(&[&[3]]), "2".into()),
            (r(&[&[1], &[2], &[3]]), "1".into()),
        ]
    );
}

#[test]
fn missing_title_uses_the_file_name() {
    let f = blt::read_str(
        "2 1\n1 1 0\n0\n\"A\"\n\"B\"\n",
        "/data/elections/ward 7.blt",
    )
    .unwrap();
    assert_eq!(f.title, "ward 7");
    let f = blt::read_str("2 1\n1 1 0\n0\n\"A\"\n\"B\"", "<stdin>").unwrap();
    assert_eq!(f.title, "<stdin>");
}

#[test]
fn text_after_the_title_is_ignored() {
    let f =
        parse("2 1\n1 1 0\n0\n\"A\"\n\"B\"\n\"Title\" \nA:  123 votes\n\"unclosed\nQuota 84.88\n");
    assert_eq!(f.title, "Title");
    // Even bytes that are not UTF-8 after the title are never read.
    let mut bytes = b"2 1\n1 1 0\n0\nA\nB\nT\n".to_vec();
    bytes.extend_from_slice(b"\xff\xfe notes\n");
    let f = blt::read(&bytes[..], "x.blt").unwrap();
    assert_eq!(f.title, "T");
}

#[test]
fn reads_from_a_buffered_reader() {
    let text = "2 1\n3 2 1 0\n0\n\"A\"\n\"B\"\n\"T\"\n";
    let reader = std::io::BufReader::with_capacity(3, text.as_bytes());
    let f = blt::read(reader, "small-buffer.blt").unwrap();
    assert_eq!(ballots(&f), vec![(r(&[&[2], &[1]]), "3".into())]);
    assert_eq!(f.title, "T");
}

#[test]
fn io_errors_name_the_file() {
    struct Failing;
    impl std::io::Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    let e = blt::read(std::io::BufReader::new(Failing), "nec.blt").unwrap_err();
    assert!(matches!(e, BltError::Io { .. }));
    assert_eq!(e.to_string(), "nec.blt: disk on fire");
    assert!(std::error::Error::source(&e).is_some());
}

// ---------------------------------------------------------------------------------------------
// Errors: exact text

#[test]
fn error_bad_header() {
    assert_eq!(
        error("nine 4\n"),
        "nec.blt:1:1: expected the number of candidates and seats, such as \"9 4\", found \"nine\""
    );
    assert_eq!(
        error("9\n"),
        "nec.blt:1:2: expected the number of seats after the number of candidates"
    );
    assert_eq!(
        error("  9 x\n"),
        "nec.blt:1:5: expected the number of seats, found \"x\""
    );
    assert_eq!(
        error("9 4 1\n"),
        "nec.blt:1:5: unexpected \"1\" after the number of candidates and seats"
    );
    assert_eq!(
        error("0 1\n0\n"),
        "nec.blt:1:1: expected at least 1 candidate, found \"0\""
    );
    assert_eq!(
        error("100001 1\n"),
        "nec.blt:1:1: too many candidates: 100001 (this program reads at most 100000)"
    );
    assert_eq!(
        error("99999999999 1\n"),
        "nec.blt:1:1: expected the number of candidates and seats, such as \"9 4\", found \"99999999999\""
    );
    assert_eq!(
        error(""),
        "nec.blt:1:1: file ended before the header line giving the number of candidates and seats"
    );
    assert_eq!(
        error("\n# only a comment\n"),
        "nec.blt:3:1: file ended before the header line giving the number of candidates and seats"
    );
}

#[test]
fn error_candidate_out_of_range() {
    assert_eq!(
        error("9 4\n1 2 0\n3 1 2 12 0\n"),
        "nec.blt:3:7: expected a candidate number between 1 and 9, found \"12\""
    );
    assert_eq!(
        error("3 1\n1 1=0 0\n"),
        "nec.blt:2:5: expected a candidate number between 1 and 3, found \"0\""
    );
    assert_eq!(
        error("3 1\n1 1==2 0\n"),
        "nec.blt:2:5: expected a candidate number between 1 and 3 on each side of \"=\""
    );
    assert_eq!(
        error("3 1\n[nick a b c]\n1 a x 0\n"),
        "nec.blt:3:5: expected a candidate number between 1 and 3 or a nickname, found \"x\""
    );
}

#[test]
fn error_missing_final_zero() {
    assert_eq!(
        error("3 1\n1 1 2\n0\n"),
        "nec.blt:2:6: expected 0 at the end of the ballot line"
    );
    assert_eq!(
        error("3 1\n1 1 0 2\n0\n"),
        "nec.blt:2:7: unexpected \"2\" after the 0 that ends the ballot"
    );
}

#[test]
fn error_repeated_candidate() {
    assert_eq!(
        error("3 1\n1 3 1 3 0\n0\n"),
        "nec.blt:2:7: candidate 3 appears twice on this ballot"
    );
    assert_eq!(
        error("3 1\n1 2=3=2 0\n0\n"),
        "nec.blt:2:7: candidate 2 appears twice on this ballot"
    );
}

#[test]
fn error_too_few_names() {
    assert_eq!(
        error("9 4\n1 1 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"D\"\n\"E\"\n\"F\"\n\"G\"\n"),
        "nec.blt:11:1: expected 9 candidate names after the ballots, found 7"
    );
    assert_eq!(
        error("3 1\n1 1 0\n0\n# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 3: C\nTitle"),
        "nec.blt:6:6: expected 3 candidate names after the ballots, found 1; \
         the \"# ALTERNATIVE NAME\" comments name only 2"
    );
}

#[test]
fn error_truncated_file() {
    assert_eq!(
        error("3 1\n1 1 0\n2 2 0\n"),
        "nec.blt:4:1: file ended before the 0 line that ends the ballots"
    );
    assert_eq!(
        error("3 1\n1 1 0\n2 2 0"),
        "nec.blt:3:6: file ended before the 0 line that ends the ballots"
    );
}

#[test]
fn error_garbage_weight() {
    assert_eq!(
        error("3 1\n1 1 0\nx1 2 0\n0\n"),
        "nec.blt:3:1: expected a ballot weight (a number such as 1 or 2.5), found \"x1\""
    );
    assert_eq!(
        error("3 1\n\"Apple\"\n"),
        "nec.blt:2:1: expected a ballot weight (a number such as 1 or 2.5), found \"\\\"Apple\\\"\""
    );
    assert_eq!(
        error("3 1\n1.0000001 1 0\n"),
        "nec.blt:2:1: ballot weight \"1.0000001\" has more than 6 decimal places"
    );
    assert_eq!(
        error("2 1\n9223372036854775807 1 0\n0\nA\nB\n"),
        "nec.blt:2:1: ballot weight \"9223372036854775807\" is too large"
    );
    assert_eq!(
        error("2 1\n18446744073709 1 0\n18446744073709 1 0\n0\nA\nB\n"),
        "nec.blt:3:1: the ballot weights add up to more than this program can hold"
    );
    assert_eq!(
        error("2 1\n(unclosed 1 1 0\n"),
        "nec.blt:2:1: expected \")\" to close the ballot id"
    );
    assert_eq!(
        error("2 1\n(id)\n"),
        "nec.blt:2:5: expected a ballot weight after the ballot id"
    );
}

#[test]
fn error_names() {
    assert_eq!(
        error("2 1\n1 1 0\n0\n\"A\"\n\"A\"\n"),
        "nec.blt:5:1: candidate name \"A\" is given twice (candidates 1 and 2)"
    );
    assert_eq!(
        error("2 1\n1 1 0\n0\n\"A\"\n  \"B\n"),
        "nec.blt:5:3: expected a closing quote for this name"
    );
    assert_eq!(
        error("2 1\n1 1 0\n0\n\"A\" B\n"),
        "nec.blt:4:5: expected the end of the line after the closing quote, found \"B\""
    );
}

#[test]
fn error_options() {
    assert_eq!(
        error("2 1\n1 1 0\n[nick a b]\n"),
        "nec.blt:3:1: option lines in [brackets] must come before the ballots"
    );
    assert_eq!(
        error("2 1\n1 1 0\n-1\n"),
        "nec.blt:3:1: withdrawn candidates (negative numbers) must come before the ballots"
    );
    assert_eq!(
        error("2 1\n[nick a]\n"),
        "nec.blt:2:1: expected 2 nicknames, one per candidate, found 1"
    );
    assert_eq!(
        error("2 1\n[nick a a]\n"),
        "nec.blt:2:9: nickname \"a\" is given twice"
    );
    assert_eq!(
        error("2 1\n[nick a=b c]\n"),
        "nec.blt:2:7: nickname \"a=b\" cannot be used: a nickname may not be 0 or - or contain ="
    );
    assert_eq!(
        error("2 1\n[nick a b\n"),
        "nec.blt:2:10: expected \"]\" at the end of the option line"
    );
    assert_eq!(
        error("2 1\n[ ]\n"),
        "nec.blt:2:1: expected a keyword after \"[\""
    );
    assert_eq!(
        error("2 1\n[tie 1]\n"),
        "nec.blt:2:1: expected the [tie] line to list all 2 candidates, found 1"
    );
    assert_eq!(
        error("2 1\n[tie 1 1]\n"),
        "nec.blt:2:8: candidate 1 appears twice in the [tie] line"
    );
    assert_eq!(
        error("2 1\n[withdrawn 3]\n"),
        "nec.blt:2:12: expected a candidate number between 1 and 2, found \"3\""
    );
    assert_eq!(
        error("2 1\n-1 2\n"),
        "nec.blt:2:4: expected a withdrawn candidate as a negative number between -1 and -2, found \"2\""
    );
}

#[test]
fn error_not_utf8() {
    let e = blt::read(&b"2 1\n1 1 0\n0\n\"Ab\xe9\"\n"[..], "nec.blt").unwrap_err();
    assert_eq!(
        e.to_string(),
        "nec.blt:4:4: expected UTF-8 text, found the byte 0xE9"
    );
}

// ---------------------------------------------------------------------------------------------
// Writer

fn election(n: usize, seats: u32, withdrawn: &[u32], ballots: &[(&str, Vec<Rank>)]) -> Election {
    let cands = (0..n)
        .map(|i| Candidate {
            name: format!("C{i}"),
        })
        .collect();
    let mut b = ProfileBuilder::new(cands).unwrap();
    for (w, ranks) in ballots {
        b.push(Weight::parse(w).unwrap(), ranks).unwrap();
    }
    Election {
        title: "T".into(),
        seats,
        profile: b.build(),
        withdrawn: ids(withdrawn),
    }
}

#[test]
fn writer_emits_the_canonical_form() {
    let c = CandidateId;
    let mut e = election(
        3,
        2,
        &[2],
        &[
            (
                "2.5",
                vec![
                    Rank::One(c(0)),
                    Rank::Equal(vec![c(2), c(1)]),
                    Rank::Skipped,
                ],
            ),
            ("4", vec![Rank::Skipped, Rank::One(c(1))]),
            ("1", vec![]),
            (
                "1.5",
                vec![
                    Rank::One(c(0)),
                    Rank::Equal(vec![c(2), c(1)]),
                    Rank::Skipped,
                ],
            ),
        ],
    );
    e.profile
        .set_names(vec!["Lab \"Barney\" ".into(), "Émile".into(), "x".into()])
        .unwrap();
    e.title = "Say \"hi\"".into();
    let mut out = Vec::new();
    blt::write(&mut out, &e).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text,
        "3 2\n-3\n4 1 3=2 - 0\n4 - 2 0\n1 0\n0\n\"Lab \"\"Barney\"\" \"\n\"Émile\"\n\"x\"\n\"Say \"\"hi\"\"\"\n"
    );
    let back = blt::read_str(&text, "back.blt").unwrap();
    assert_eq!(back.candidates, ["Lab \"Barney\" ", "Émile", "x"]);
    assert_eq!(back.title, "Say \"hi\"");
    assert_eq!(back.withdrawn, ids(&[2]));
    assert_eq!(multiset(&back.profile), multiset(&e.profile));
}

#[test]
fn writer_refuses_what_blt_cannot_hold() {
    let mut e = election(2, 1, &[], &[("1", vec![Rank::One(CandidateId(0))])]);
    e.title = "two\nlines".into();
    let err = blt::write(Vec::new(), &e).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    e.title = "ok".into();
    e.withdrawn = ids(&[5]);
    let err = blt::write(Vec::new(), &e).unwrap_err();
    assert_eq!(
        err.to_string(),
        "withdrawn candidate 6 does not exist (there are 2 candidates)"
    );
    let empty = election(0, 1, &[], &[]);
    assert_eq!(
        blt::write(Vec::new(), &empty).unwrap_err().kind(),
        std::io::ErrorKind::InvalidInput
    );
}

// ---------------------------------------------------------------------------------------------
// Shared real-world files

fn shared() -> Option<PathBuf> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    if dir.is_dir() {
        Some(dir.to_path_buf())
    } else {
        eprintln!(
            "SKIPPED: {} is absent; the shared-data BLT tests did not run",
            dir.display()
        );
        None
    }
}

fn blt_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            blt_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "blt") {
            out.push(p);
        }
    }
}

fn read_path(path: &Path) -> Result<BltFile, BltError> {
    let file = std::fs::File::open(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    blt::read(std::io::BufReader::new(file), &name)
}

/// The header's `C S`, read independently of the reader under test.
fn header_of(path: &Path) -> (usize, u32) {
    let text = std::fs::read_to_string(path).unwrap();
    let line = text
        .trim_start_matches('\u{feff}')
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap();
    let mut it = line.trim_end_matches(',').split_whitespace();
    (
        it.next().unwrap().parse().unwrap(),
        it.next().unwrap().parse().unwrap(),
    )
}

fn check_parses(path: &Path) -> BltFile {
    let f = read_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (c, s) = header_of(path);
    assert_eq!(f.candidates.len(), c, "{}", path.display());
    assert_eq!(f.profile.candidates().len(), c, "{}", path.display());
    assert_eq!(f.seats, s, "{}", path.display());
    assert!(f.seats >= 1, "{}", path.display());
    assert!(
        f.candidates.iter().all(|n| !n.trim().is_empty()),
        "{}: {:?}",
        path.display(),
        f.candidates
    );
    assert!(!f.profile.is_empty(), "{}: no ballots", path.display());
    assert!(!f.title.is_empty(), "{}", path.display());
    f
}

#[test]
fn every_scottish_file_parses() {
    let Some(shared) = shared() else { return };
    let mut files = Vec::new();
    blt_files(&shared.join("data/scot-elex"), &mut files);
    assert_eq!(files.len(), 749);
    for path in &files {
        check_parses(path);
    }
}

#[test]
fn every_conformance_file_parses() {
    let Some(shared) = shared() else { return };
    let mut files = Vec::new();
    blt_files(&shared.join("conformance/droop/blt"), &mut files);
    let droop = files.len();
    assert_eq!(droop, 49);
    blt_files(&shared.join("conformance/stv-rs/ballots"), &mut files);
    assert_eq!(files.len() - droop, 23);
    for path in &files {
        let name = path.file_name().unwrap().to_str().unwrap();
        if name == "ballot_sum_overflows.blt" {
            // Two ballots of weight 2^63 - 1: made to overflow 64-bit counters. Weights here
            // are exact millionths in a u64 (at most about 1.8e13 papers), so the reader
            // rejects the weight itself, naming it.
            let e = read_path(path).unwrap_err();
            assert_eq!(
                e.to_string(),
                "ballot_sum_overflows.blt:3:1: ballot weight \"9223372036854775807\" is too large"
            );
            continue;
        }
        check_parses(path);
    }
}

#[test]
fn shared_spot_checks() {
    let Some(shared) = shared() else { return };
    let scot = shared.join("data/scot-elex");

    let f = check_parses(&scot.join("aberdeen_2012_ward1.blt"));
    assert_eq!(f.candidates[0], "Lab \"Barney CROCKETT\" ");
    assert_eq!(f.candidates[4], "SNP \"Neil MACGREGOR\"");
    assert_eq!(f.title, "Ward 1 - Dyce - Bucksburn - Danestone");

    let f = check_parses(&scot.join("glasgow_2007_anderston.blt"));
    assert_eq!(f.candidates.len(), 9);
    assert_eq!(f.candidates[0], "Nina Baker (Grn)");
    assert_eq!(f.candidates[8], "Peter Murray (Soc)");
    assert_eq!(f.title, "Anderson ward");

    let f = check_parses(&scot.join("aberdeenshire_2022_ward10.blt"));
    assert_eq!(f.candidates[0], "Sasha BRYDON (Scottish Labour Party)");
    assert_eq!(f.candidates[2], "Sebastian LESLIE (Independent)");
    assert_eq!(f.title, "Ward 10 - West Garioch");

    let f = check_parses(&scot.join("perth_kinross_2016_by_election_ward9.blt"));
    assert_eq!((f.candidates.len(), f.seats), (5, 1));
    assert_eq!(f.candidates[0], "Kathleen BAIRD");
    assert_eq!(f.candidates[3], "Wilma,LUMSDEN");
    assert_eq!(f.title, "Ward 9 - Almond and Earn");

    let f = check_parses(&shared.join("conformance/stv-rs/ballots/vegetables.blt"));
    assert_eq!(f.withdrawn, ids(&[1, 5]));
    assert_eq!(f.nicknames.as_ref().map(Vec::len), Some(9));

    let f = check_parses(&shared.join("conformance/droop/blt/42ubom.blt"));
    assert_eq!(f.candidates[0], "Cåstor");

    let f = check_parses(&shared.join("conformance/droop/blt/cfer/dk1-2.blt"));
    assert_eq!(
        f.title,
        "Dave Kadlecek: different winners for 2 & 3 seats: AE vs BCD (q=330,247.5)"
    );
}

// ---------------------------------------------------------------------------------------------
// Properties

fn bltish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("0"),
        Just("1"),
        Just("2"),
        Just("3"),
        Just("12"),
        Just("2.5"),
        Just("99999999999999999999"),
        Just(" "),
        Just(" "),
        Just("\n"),
        Just("\n"),
        Just("\r\n"),
        Just("-"),
        Just("="),
        Just("\""),
        Just("\"\""),
        Just("["),
        Just("]"),
        Just("#"),
        Just("("),
        Just(")"),
        Just(","),
        Just("nick"),
        Just("tie"),
        Just("withdrawn"),
        Just("a"),
        Just("b"),
        Just("# ALTERNATIVE NAME 1:"),
        Just("\u{feff}"),
        Just("é"),
    ];
    (
        prop_oneof![Just(""), Just("3 2\n"), Just("2 1\n[nick a b]\n")],
        prop::collection::vec(token, 0..120),
    )
        .prop_map(|(head, toks)| format!("{head}{}", toks.concat()))
}

/// An election whose ballots use random rankings with equal groups and skips.
fn arb_election() -> impl Strategy<Value = Election> {
    (1usize..=12, 1u32..=5)
        .prop_flat_map(|(n, seats)| {
            let ballot = (
                Just((0..n as u32).collect::<Vec<u32>>()).prop_shuffle(),
                0..=n,
                prop::collection::vec(0u8..10, n + 1),
                prop_oneof![
                    (0u64..1000).prop_map(|w| w * 1_000_000),
                    0u64..5_000_000_000
                ],
            );
            (
                Just(seats),
                prop::collection::vec("[A-Za-z \"',#=()é-]{0,10}", n),
                "[A-Za-z0-9 \"',#é-]{0,20}",
                prop::collection::vec(ballot, 0..50),
                prop::collection::vec(any::<bool>(), n),
            )
        })
        .prop_map(|(seats, raw_names, title, ballots, withdrawn)| {
            let n = raw_names.len();
            let mut names: Vec<String> = Vec::new();
            for (i, name) in raw_names.into_iter().enumerate() {
                let mut name = name;
                while name.is_empty() || names.contains(&name) {
                    name = format!("{name} {i}");
                }
                names.push(name);
            }
            let mut b =
                ProfileBuilder::new(names.into_iter().map(|name| Candidate { name }).collect())
                    .unwrap();
            for (perm, len, ops, w) in ballots {
                let mut ranks: Vec<Rank> = Vec::new();
                for (&c, &op) in perm.iter().take(len).zip(&ops) {
                    let c = CandidateId(c);
                    match (op, ranks.last_mut()) {
                        (0 | 1, Some(last @ Rank::One(_))) => {
                            let Rank::One(prev) = *last else {
                                unreachable!()
                            };
                            *last = Rank::Equal(vec![prev, c]);
                        }
                        (0 | 1, Some(Rank::Equal(group))) => group.push(c),
                        (2, _) => {
                            ranks.push(Rank::Skipped);
                            ranks.push(Rank::One(c));
                        }
                        _ => ranks.push(Rank::One(c)),
                    }
                }
                if ops[n] == 9 {
                    ranks.push(Rank::Skipped);
                }
                b.push(Weight::from_micro(w), &ranks).unwrap();
            }
            Election {
                title,
                seats,
                profile: b.build(),
                withdrawn: withdrawn
                    .iter()
                    .enumerate()
                    .filter(|(_, &w)| w)
                    .map(|(i, _)| CandidateId(i as u32))
                    .collect(),
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = blt::read(&bytes[..], "fuzz.blt");
        let _ = blt::read_str(&String::from_utf8_lossy(&bytes), "fuzz.blt");
    }

    #[test]
    fn bltish_text_never_panics(text in bltish()) {
        let _ = blt::read_str(&text, "fuzz.blt");
        let _ = blt::read(std::io::BufReader::with_capacity(7, text.as_bytes()), "fuzz.blt");
    }

    #[test]
    fn write_then_read_round_trips(e in arb_election()) {
        let mut out = Vec::new();
        blt::write(&mut out, &e).unwrap();
        let text = String::from_utf8(out).unwrap();
        let back = blt::read_str(&text, "round.blt").map_err(|err| TestCaseError::fail(format!("{err}\n{text}")))?;
        let want: Vec<&str> = e.candidates().iter().map(|c| c.name.as_str()).collect();
        prop_assert_eq!(names(&back), want);
        prop_assert_eq!(back.seats, e.seats);
        prop_assert_eq!(&back.withdrawn, &e.withdrawn);
        prop_assert_eq!(&back.title, &e.title);
        prop_assert_eq!(multiset(&back.profile), multiset(&e.profile));
        prop_assert_eq!(back.profile.total_weight(), e.profile.total_weight());
        // Writing what was read gives the same text.
        let mut again = Vec::new();
        blt::write(&mut again, &back.election()).unwrap();
        prop_assert_eq!(String::from_utf8(again).unwrap(), text);
    }
}
