//! The responses CSV: what `write_responses_csv` writes, `read_responses_csv` reads back the same
//! (texts that look like formulas included), and a bad file is an error naming line and column.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use proptest::prelude::*;
use tenure_surveys::{
    Answer, Answers, ResponseRow, ResponseSet, SurveyDefinition, read_responses_csv, write_responses_csv,
};

fn survey() -> SurveyDefinition {
    serde_json::from_value(serde_json::json!({"title": "t", "questions": [
        {"id": "sat", "type": "csat", "text": "?"},
        {"id": "nps", "type": "nps", "text": "?"},
        {"id": "gap", "type": "pair", "text": "?", "points": 5},
        {"id": "one", "type": "single", "text": "?", "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}]},
        {"id": "many", "type": "multi", "text": "?", "options": [{"id": "x", "text": "X"}, {"id": "y", "text": "Y"}, {"id": "z", "text": "Z"}]},
        {"id": "why", "type": "text", "text": "?"}]}))
    .unwrap()
}

fn row(id: &str, at: i64, customer: Option<&str>, answers: &[(&str, Answer)]) -> ResponseRow {
    let mut a = Answers::new();
    for (q, answer) in answers {
        a.insert(q, answer.clone());
    }
    ResponseRow {
        response_id: id.to_owned(),
        submitted_at: at,
        customer: customer.map(str::to_owned),
        answers: a,
    }
}

fn write(def: &SurveyDefinition, rows: &[ResponseRow]) -> String {
    let mut out = Vec::new();
    write_responses_csv(def, rows, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn round_trip(rows: &[ResponseRow]) -> Vec<ResponseRow> {
    let def = survey();
    let csv = write(&def, rows);
    read_responses_csv(&def, csv.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{csv}")).rows().collect()
}

#[test]
fn writes_the_contract_header_and_neutralises_formula_texts() {
    let def = survey();
    let rows = [
        row(
            "r1",
            1_740_832_496,
            Some("c1"),
            &[
                ("sat", Answer::Scale(5)),
                ("nps", Answer::Scale(0)),
                ("gap", Answer::Pair { expectation: 4, perception: 2 }),
                ("one", Answer::Single("b".into())),
                ("many", Answer::Multi(vec!["x".into(), "z".into()])),
                ("why", Answer::Text("=cmd".into())),
            ],
        ),
        row("-r2", 0, None, &[("why", Answer::Text("-1".into()))]),
        row("r3", 0, Some("@c"), &[("why", Answer::Text("@x".into()))]),
        row("r4", 0, None, &[("why", Answer::Text("+x".into()))]),
    ];
    let csv = write(&def, &rows);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "response_id,submitted_at,customer,sat,nps,gap:expectation,gap:perception,one,many,why"
    );
    assert_eq!(lines[1], "r1,2025-03-01T12:34:56Z,c1,5,0,4,2,b,x;z,'=cmd");
    assert_eq!(lines[2], "'-r2,1970-01-01T00:00:00Z,,,,,,,,'-1");
    assert_eq!(lines[3], "r3,1970-01-01T00:00:00Z,'@c,,,,,,,'@x");
    assert_eq!(lines[4], "r4,1970-01-01T00:00:00Z,,,,,,,,'+x");
    assert_eq!(round_trip(&rows), rows);
}

#[test]
fn reports_bad_cells_with_line_and_column() {
    let def = survey();
    let head = "response_id,submitted_at,customer,sat,nps,gap:expectation,gap:perception,one,many,why\n";
    let read = |body: &str| read_responses_csv(&def, format!("{head}{body}").as_bytes()).map(|s| s.len());
    let error = |body: &str| read(body).unwrap_err().to_string();
    assert_eq!(read("r1,2025-03-01T12:34:56Z,,,,,,,,\n"), Ok(1));
    assert_eq!(error("r1,2025-03-01T12:34:56Z,,5,11,,,,,\n"), "line 2: column \"nps\": 11 is outside 0–10");
    assert_eq!(
        error("r1,2025-03-01T12:34:56Z,,,,4,,,,\n"),
        "line 2: column \"gap:perception\": is empty but the other side of the pair is not"
    );
    assert_eq!(
        error("r1,2025-03-01T12:34:56Z,,,,,,c,,\nr2,x,,,,,,,,\n"),
        "line 2: column \"one\": \"c\" is not an option"
    );
    assert_eq!(
        error("r1,2025-03-01T12:34:56Z,,,,,,,,\nr2,yesterday,,,,,,,,\n"),
        "line 3: column \"submitted_at\": \"yesterday\" is not an RFC 3339 time"
    );
    assert_eq!(
        error("r1,2025-03-01T12:34:56Z,,,,,,,x;x,\n"),
        "line 2: column \"many\": \"x\" is chosen twice"
    );
    assert_eq!(error("r1,2025-03-01T12:34:56Z,,,,,,,\n"), "line 2: 9 fields where the header has 10");
    assert_eq!(error("r1,2025-03-01T12:34:56Z,,0,,,,,,\n"), "line 2: column \"sat\": 0 is outside 1–5");
    assert_eq!(
        error("r1,2025-03-01T12:34:56Z,,five,,,,,,\n"),
        "line 2: column \"sat\": \"five\" is not a number"
    );
    // Cells are checked column by column in batches; the error is still the first in file order.
    let body: String = (2..40)
        .map(|line| match line {
            10 => "r,2025-03-01T12:34:56Z,,,12,,,,,\n".to_owned(),
            20 => "r,2025-03-01T12:34:56Z,,9,,,,,,\n".to_owned(),
            _ => "r,2025-03-01T12:34:56Z,,,,,,,,\n".to_owned(),
        })
        .collect();
    assert_eq!(error(&body), "line 10: column \"nps\": 12 is outside 0–10");
    // Across batches, a bad cell and a broken record: whichever comes first.
    let rows = |bad_cell: usize, short: usize| -> String {
        (2..1200)
            .map(|line| match line {
                l if l == bad_cell => "r,2025-03-01T12:34:56Z,,,12,,,,,\n",
                l if l == short => "r,2025-03-01T12:34:56Z\n",
                _ => "r,2025-03-01T12:34:56Z,,,,,,,,\n",
            })
            .collect()
    };
    assert_eq!(error(&rows(700, 900)), "line 700: column \"nps\": 12 is outside 0–10");
    assert_eq!(error(&rows(900, 700)), "line 700: 2 fields where the header has 10");
    assert_eq!(read(&rows(0, 0)), Ok(1198));
}

#[test]
fn reads_headers_by_name_with_missing_columns_and_refuses_unknown_ones() {
    let def = survey();
    let set = read_responses_csv(
        &def,
        "\u{feff}submitted_at,nps,response_id\n2025-03-01T14:34:56+02:00,9,r1\n".as_bytes(),
    )
    .unwrap();
    let rows: Vec<ResponseRow> = set.rows().collect();
    assert_eq!(rows, [row("r1", 1_740_832_496, None, &[("nps", Answer::Scale(9))])]);
    let error = |csv: &str| read_responses_csv(&def, csv.as_bytes()).unwrap_err().to_string();
    assert_eq!(
        error("response_id,submitted_at,colour\n"),
        "line 1: column \"colour\": is not a column of this survey"
    );
    assert_eq!(error("response_id,submitted_at,nps,nps\n"), "line 1: column \"nps\": is given twice");
    assert_eq!(error("response_id,customer\n"), "line 1: column \"submitted_at\": is missing");
    assert_eq!(
        error("response_id,submitted_at,gap:expectation\n"),
        "line 1: column \"gap\": a pair needs both its :expectation and :perception columns"
    );
    assert_eq!(
        error("response_id,submitted_at,gap\n"),
        "line 1: column \"gap\": is not a column of this survey"
    );
    assert_eq!(error(""), "line 1: column \"response_id\": is missing");
}

#[test]
fn an_empty_set_and_a_selection_keep_the_columns_aligned() {
    let def = survey();
    let rows: Vec<ResponseRow> = (0..6)
        .map(|i| {
            row(
                &format!("r{i}"),
                i64::from(i) * 86_400,
                None,
                &[("sat", Answer::Scale(1 + i as u8 % 5)), ("why", Answer::Text(format!("t{i}")))],
            )
        })
        .collect();
    let mut set = ResponseSet::new(&def);
    for r in &rows {
        set.push(r).unwrap();
    }
    let even = set.select(|i| i % 2 == 0);
    assert_eq!(even.rows().collect::<Vec<_>>(), [rows[0].clone(), rows[2].clone(), rows[4].clone()]);
    assert!(set.push(&row("bad", 0, None, &[("sat", Answer::Scale(6))])).is_err());
    for unknown in ["aaa", "nps2", "zzz"] {
        let err = set
            .push(&row("bad", 0, None, &[("sat", Answer::Scale(3)), (unknown, Answer::Scale(1))]))
            .unwrap_err();
        assert_eq!(err.question, unknown);
    }
    assert_eq!(set.len(), 6);
}

fn answer_rows() -> impl Strategy<Value = Vec<ResponseRow>> {
    let text = prop_oneof!["[=+@\\-'\t][ -~]{0,10}", "\\PC{1,40}", "[a-z ,\"\\r\\n]{1,20}",]
        .prop_filter("not blank", |t: &String| !t.trim().is_empty());
    let one = (
        "[ -~]{1,12}",
        -1_000_000_000i64..5_000_000_000,
        proptest::option::of("[=@a-z0-9]{1,8}"),
        proptest::option::of(1u8..=5),
        proptest::option::of((1u8..=5, 1u8..=5)),
        proptest::option::of(0usize..2),
        0u64..8,
        proptest::option::of(text),
    );
    proptest::collection::vec(one, 0..20).prop_map(|rows| {
        rows.into_iter()
            .map(|(id, at, customer, sat, gap, one, many, why)| {
                let mut a = Answers::new();
                if let Some(v) = sat {
                    a.insert("sat", Answer::Scale(v));
                }
                if let Some((e, p)) = gap {
                    a.insert("gap", Answer::Pair { expectation: e, perception: p });
                }
                if let Some(i) = one {
                    a.insert("one", Answer::Single(["a", "b"][i].into()));
                }
                let ids: Vec<String> = ["x", "y", "z"]
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| many & (1 << i) != 0)
                    .map(|(_, id)| (*id).to_owned())
                    .collect();
                if !ids.is_empty() {
                    a.insert("many", Answer::Multi(ids));
                }
                if let Some(t) = why {
                    a.insert("why", Answer::Text(t));
                }
                ResponseRow { response_id: id, submitted_at: at, customer, answers: a }
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn what_is_written_reads_back_the_same(rows in answer_rows()) {
        prop_assert_eq!(round_trip(&rows), rows);
    }
}
