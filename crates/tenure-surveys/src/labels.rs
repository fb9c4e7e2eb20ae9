//! Standard anchor wording for scale points, in English and German, so every survey page labels
//! its scales the same way.
//!
//! Anchors follow the usual published forms: CSAT "Very dissatisfied … Very satisfied"; NPS
//! "Not at all likely" (0) and "Extremely likely" (10); Likert and CES 2.0 agreement ("Strongly
//! disagree … Strongly agree", CES against "The company made it easy for me to handle my issue");
//! CES 1.0 effort ("Very low effort … Very high effort"); pairs "Very low … Very high" at the ends.
//! Not here: question wording (that is the definition's), other languages (English is used).

use crate::definition::{CesDirection, Question, QuestionKind};

/// Languages with anchor wording; any other falls back to English.
pub const LABEL_LANGUAGES: [&str; 2] = ["en", "de"];

#[derive(Clone, Copy)]
enum Lang {
    En,
    De,
}

fn lang_of(code: &str) -> Lang {
    let primary = code.split(['-', '_']).next().unwrap_or("");
    if primary.eq_ignore_ascii_case("de") { Lang::De } else { Lang::En }
}

const CSAT: [[&str; 5]; 2] = [
    ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"],
    ["Sehr unzufrieden", "Unzufrieden", "Neutral", "Zufrieden", "Sehr zufrieden"],
];
const AGREE5: [[&str; 5]; 2] = [
    ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"],
    ["Stimme überhaupt nicht zu", "Stimme nicht zu", "Weder noch", "Stimme zu", "Stimme voll und ganz zu"],
];
const AGREE7: [[&str; 7]; 2] = [
    [
        "Strongly disagree",
        "Disagree",
        "Somewhat disagree",
        "Neither agree nor disagree",
        "Somewhat agree",
        "Agree",
        "Strongly agree",
    ],
    [
        "Stimme überhaupt nicht zu",
        "Stimme nicht zu",
        "Stimme eher nicht zu",
        "Weder noch",
        "Stimme eher zu",
        "Stimme zu",
        "Stimme voll und ganz zu",
    ],
];
const EFFORT5: [[&str; 5]; 2] = [
    ["Very low effort", "Low effort", "Moderate effort", "High effort", "Very high effort"],
    ["Sehr geringer Aufwand", "Geringer Aufwand", "Mittlerer Aufwand", "Hoher Aufwand", "Sehr hoher Aufwand"],
];
/// Ends of a 0–10 NPS scale and of 7-point effort and pair scales: `[low, high]` per language.
const NPS_ENDS: [[&str; 2]; 2] =
    [["Not at all likely", "Extremely likely"], ["Äußerst unwahrscheinlich", "Äußerst wahrscheinlich"]];
const EFFORT_ENDS: [[&str; 2]; 2] =
    [["Very low effort", "Very high effort"], ["Sehr geringer Aufwand", "Sehr hoher Aufwand"]];
const PAIR_ENDS: [[&str; 2]; 2] = [["Very low", "Very high"], ["Sehr niedrig", "Sehr hoch"]];
const PAIR_SIDES: [[&str; 2]; 2] =
    [["What I expected", "What I experienced"], ["Was ich erwartet habe", "Was ich erlebt habe"]];

impl Question {
    /// Every point of a numeric question's scale with its label, lowest first: the anchor wording
    /// where the scale has one, else the number itself. Empty for choice and text questions.
    ///
    /// `lang` is a language code (`"de"`, `"de-AT"`); anything but German gets English.
    pub fn scale_labels(&self, lang: &str) -> Vec<(u8, String)> {
        let l = lang_of(lang) as usize;
        let Some((low, high)) = self.bounds() else { return Vec::new() };
        let every = |names: &[&str]| -> Vec<(u8, String)> {
            (low..=high).zip(names).map(|(v, name)| (v, (*name).to_owned())).collect()
        };
        let ends = |names: [&str; 2]| -> Vec<(u8, String)> {
            (low..=high)
                .map(|v| {
                    let label = match v {
                        v if v == low => names[0].to_owned(),
                        v if v == high => names[1].to_owned(),
                        v => v.to_string(),
                    };
                    (v, label)
                })
                .collect()
        };
        match (self.kind, high) {
            (QuestionKind::Csat, _) => every(&CSAT[l]),
            (QuestionKind::Nps, _) => ends(NPS_ENDS[l]),
            (QuestionKind::Ces, 5) if self.ces_direction() == CesDirection::HigherIsHarder => {
                every(&EFFORT5[l])
            }
            (QuestionKind::Ces, _) if self.ces_direction() == CesDirection::HigherIsHarder => {
                ends(EFFORT_ENDS[l])
            }
            (QuestionKind::Ces | QuestionKind::Likert, 5) => every(&AGREE5[l]),
            (QuestionKind::Ces | QuestionKind::Likert, _) => every(&AGREE7[l]),
            (QuestionKind::Pair, _) => ends(PAIR_ENDS[l]),
            _ => Vec::new(),
        }
    }

    /// The two row labels of a pair question: `[expectation, perception]`.
    pub fn pair_side_labels(&self, lang: &str) -> [&'static str; 2] {
        PAIR_SIDES[lang_of(lang) as usize]
    }
}

#[cfg(test)]
mod tests {
    use crate::definition::SurveyDefinition;

    fn question(json: &str) -> crate::definition::Question {
        let d: SurveyDefinition =
            serde_json::from_str(&format!(r#"{{"title":"t","questions":[{json}]}}"#)).unwrap();
        d.validate().unwrap();
        d.questions[0].clone()
    }

    #[test]
    fn likert_five_runs_from_strongly_disagree_to_strongly_agree() {
        let labels = question(r#"{"id":"l","type":"likert","text":"?"}"#).scale_labels("en");
        assert_eq!(labels.len(), 5);
        assert_eq!(labels[0], (1, "Strongly disagree".to_owned()));
        assert_eq!(labels[4], (5, "Strongly agree".to_owned()));
    }

    #[test]
    fn nps_labels_only_its_ends_and_speaks_german() {
        let labels = question(r#"{"id":"n","type":"nps","text":"?"}"#).scale_labels("de-AT");
        assert_eq!(labels.len(), 11);
        assert_eq!(labels[0], (0, "Äußerst unwahrscheinlich".to_owned()));
        assert_eq!(labels[5], (5, "5".to_owned()));
        assert_eq!(labels[10].1, "Äußerst wahrscheinlich");
    }

    #[test]
    fn ces_labels_follow_direction_and_points() {
        let easy = question(r#"{"id":"c","type":"ces","text":"?"}"#).scale_labels("en");
        assert_eq!((easy.len(), easy[6].1.as_str()), (7, "Strongly agree"));
        let hard =
            question(r#"{"id":"c","type":"ces","text":"?","points":5,"direction":"higher_is_harder"}"#);
        assert_eq!(hard.scale_labels("en")[4].1, "Very high effort");
        assert_eq!(question(r#"{"id":"t","type":"text","text":"?"}"#).scale_labels("en"), vec![]);
    }
}
