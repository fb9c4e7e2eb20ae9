//! Ready-made questionnaires (PRODUCT.md §4 "templates for the common questionnaires"), in
//! English and German. A template is only a starting [`SurveyDefinition`]: the user edits a copy.
//!
//! "Did our service meet your expectations?" is asked as expectation–perception pairs rather than
//! one "much worse … much better than expected" item: pairs give a gap per aspect and feed the same
//! gap analysis as SERVQUAL, where a single item would give one number and no aspect.

use crate::definition::{Choice, Question, QuestionKind, SurveyDefinition};
use crate::texts::Texts;

/// The shipped templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Template {
    /// CSAT after a purchase: overall, delivery, product, value for money, what to do better.
    PostPurchaseCsat,
    /// Relationship NPS with its reason.
    RelationshipNps,
    /// CES after a support contact, with CSAT and a comment.
    PostSupportCes,
    /// Did our service meet your expectations? — expectation vs perception per aspect.
    Expectations,
    /// SERVQUAL-style service quality: five dimensions of pair items, three pages.
    Servqual,
    /// A testimonial from a happy customer, for staff to approve, and whether it may be shown.
    Testimonial,
}

impl Template {
    /// Every template, in menu order.
    pub fn all() -> [Template; 6] {
        [
            Self::PostPurchaseCsat,
            Self::RelationshipNps,
            Self::PostSupportCes,
            Self::Expectations,
            Self::Servqual,
            Self::Testimonial,
        ]
    }

    /// Kebab-case name, as in URLs and `tenure survey create --template`.
    pub fn name(self) -> &'static str {
        match self {
            Self::PostPurchaseCsat => "post-purchase-csat",
            Self::RelationshipNps => "relationship-nps",
            Self::PostSupportCes => "post-support-ces",
            Self::Expectations => "expectations",
            Self::Servqual => "servqual",
            Self::Testimonial => "testimonial",
        }
    }

    /// The template with this [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Template> {
        Self::all().into_iter().find(|t| t.name() == name)
    }

    /// One sentence for a menu (English).
    pub fn description(self) -> &'static str {
        match self {
            Self::PostPurchaseCsat => {
                "Satisfaction after a purchase: overall, delivery, product and value, and what to improve."
            }
            Self::RelationshipNps => {
                "Net Promoter Score: how likely customers are to recommend you, and why."
            }
            Self::PostSupportCes => {
                "Customer effort after a support contact, with satisfaction and a comment."
            }
            Self::Expectations => {
                "Did our service meet your expectations? Expected against experienced, per aspect."
            }
            Self::Servqual => {
                "Service quality on the five SERVQUAL dimensions (tangibles, reliability, responsiveness, \
                 assurance, empathy) as expectation–perception gaps, with overall satisfaction."
            }
            Self::Testimonial => {
                "A few words from a happy customer for others to read, and whether we may show them."
            }
        }
    }

    /// The template's definition (valid: see the tests).
    pub fn definition(self) -> SurveyDefinition {
        match self {
            Self::PostPurchaseCsat => post_purchase_csat(),
            Self::RelationshipNps => relationship_nps(),
            Self::PostSupportCes => post_support_ces(),
            Self::Expectations => expectations(),
            Self::Servqual => servqual(),
            Self::Testimonial => testimonial(),
        }
    }
}

fn q(id: &str, kind: QuestionKind, en: &str, de: &str) -> Question {
    Question {
        id: id.to_owned(),
        kind,
        text: Texts::en_de(en, de),
        points: None,
        scale: None,
        dimension: None,
        overall: false,
        options: Vec::new(),
        required: false,
        page: 1,
        direction: None,
        testimonial: false,
    }
}

fn overall_csat(en: &str, de: &str) -> Question {
    Question { overall: true, required: true, ..q("overall", QuestionKind::Csat, en, de) }
}

fn improve(page: u16) -> Question {
    Question {
        page,
        ..q("improve", QuestionKind::Text, "What could we do better?", "Was könnten wir besser machen?")
    }
}

fn survey(en: &str, de: &str, questions: Vec<Question>) -> SurveyDefinition {
    SurveyDefinition { title: Texts::en_de(en, de), default_language: "en".to_owned(), questions }
}

fn post_purchase_csat() -> SurveyDefinition {
    survey(
        "How was your order?",
        "Wie war Ihre Bestellung?",
        vec![
            overall_csat(
                "Overall, how satisfied are you with your purchase?",
                "Wie zufrieden sind Sie insgesamt mit Ihrem Kauf?",
            ),
            q(
                "delivery",
                QuestionKind::Csat,
                "How satisfied are you with the delivery?",
                "Wie zufrieden sind Sie mit der Lieferung?",
            ),
            q(
                "product",
                QuestionKind::Csat,
                "How satisfied are you with the product?",
                "Wie zufrieden sind Sie mit dem Produkt?",
            ),
            q(
                "value",
                QuestionKind::Likert,
                "The price was fair for what I got.",
                "Der Preis war für das Gebotene angemessen.",
            ),
            improve(1),
        ],
    )
}

fn relationship_nps() -> SurveyDefinition {
    survey(
        "Would you recommend us?",
        "Würden Sie uns empfehlen?",
        vec![
            Question {
                required: true,
                ..q(
                    "nps",
                    QuestionKind::Nps,
                    "How likely are you to recommend us to a friend or colleague?",
                    "Wie wahrscheinlich ist es, dass Sie uns einem Freund oder Kollegen empfehlen?",
                )
            },
            q(
                "reason",
                QuestionKind::Text,
                "What is the main reason for your score?",
                "Was ist der wichtigste Grund für Ihre Bewertung?",
            ),
        ],
    )
}

fn testimonial() -> SurveyDefinition {
    let option = |id: &str, en: &str, de: &str| Choice { id: id.to_owned(), text: Texts::en_de(en, de) };
    survey(
        "Would you tell others about us?",
        "Würden Sie anderen von uns erzählen?",
        vec![
            Question {
                required: true,
                testimonial: true,
                ..q(
                    "testimonial",
                    QuestionKind::Text,
                    "In a few words: what would you tell a friend about shopping with us?",
                    "In wenigen Worten: Was würden Sie einem Freund über den Einkauf bei uns erzählen?",
                )
            },
            Question {
                required: true,
                options: vec![
                    option("first_name", "Yes, with my first name", "Ja, mit meinem Vornamen"),
                    option("anonymous", "Yes, without my name", "Ja, ohne meinen Namen"),
                    option("no", "No, it is just for you", "Nein, nur für Sie"),
                ],
                ..q(
                    "publish",
                    QuestionKind::Single,
                    "May we show it on our website?",
                    "Dürfen wir es auf unserer Website zeigen?",
                )
            },
        ],
    )
}

fn post_support_ces() -> SurveyDefinition {
    survey(
        "How did we do?",
        "Wie haben wir Ihnen geholfen?",
        vec![
            Question {
                required: true,
                points: Some(7),
                ..q(
                    "effort",
                    QuestionKind::Ces,
                    "The company made it easy for me to handle my issue.",
                    "Das Unternehmen hat es mir leicht gemacht, mein Anliegen zu klären.",
                )
            },
            overall_csat(
                "How satisfied are you with the support you received?",
                "Wie zufrieden sind Sie mit der erhaltenen Unterstützung?",
            ),
            q(
                "comment",
                QuestionKind::Text,
                "Anything you would like to tell us?",
                "Möchten Sie uns noch etwas mitteilen?",
            ),
        ],
    )
}

fn pair(id: &str, points: u8, en: &str, de: &str) -> Question {
    Question { points: Some(points), ..q(id, QuestionKind::Pair, en, de) }
}

fn expectations() -> SurveyDefinition {
    survey(
        "Did our service meet your expectations?",
        "Hat unser Service Ihre Erwartungen erfüllt?",
        vec![
            pair("quality", 5, "Quality of the product", "Qualität des Produkts"),
            pair("speed", 5, "Speed of delivery", "Geschwindigkeit der Lieferung"),
            pair(
                "service",
                5,
                "Friendliness and helpfulness of our staff",
                "Freundlichkeit und Hilfsbereitschaft unserer Mitarbeiter",
            ),
            pair(
                "information",
                5,
                "Clear information before and after buying",
                "Klare Informationen vor und nach dem Kauf",
            ),
            overall_csat(
                "Overall, how satisfied are you with our service?",
                "Wie zufrieden sind Sie insgesamt mit unserem Service?",
            ),
            improve(1),
        ],
    )
}

/// SERVQUAL items (Parasuraman, Zeithaml & Berry 1988), shortened to 16 of the 22, as
/// `(dimension, id, English, German)`.
const SERVQUAL_ITEMS: [(&str, &str, &str, &str); 16] = [
    ("tangibles", "tan_equipment", "Modern-looking equipment", "Moderne Ausstattung"),
    (
        "tangibles",
        "tan_facilities",
        "Visually appealing shop and website",
        "Ansprechendes Geschäft und ansprechende Website",
    ),
    ("tangibles", "tan_appearance", "Neat, professional staff", "Gepflegte, professionelle Mitarbeiter"),
    (
        "reliability",
        "rel_promise",
        "Doing what was promised by the time promised",
        "Zusagen werden fristgerecht eingehalten",
    ),
    (
        "reliability",
        "rel_interest",
        "Sincere interest in solving problems",
        "Echtes Interesse an der Lösung von Problemen",
    ),
    ("reliability", "rel_first_time", "Getting it right the first time", "Beim ersten Mal richtig gemacht"),
    (
        "reliability",
        "rel_records",
        "Error-free orders and invoices",
        "Fehlerfreie Bestellungen und Rechnungen",
    ),
    (
        "responsiveness",
        "res_informed",
        "Telling customers exactly when things will happen",
        "Genaue Auskunft, wann etwas geschieht",
    ),
    ("responsiveness", "res_prompt", "Prompt service", "Schneller Service"),
    ("responsiveness", "res_willing", "Always willing to help", "Stets hilfsbereit"),
    ("assurance", "ass_confidence", "Staff who instil confidence", "Mitarbeiter, die Vertrauen wecken"),
    ("assurance", "ass_safe", "Feeling safe in transactions", "Sicherheit bei Geschäften"),
    (
        "assurance",
        "ass_knowledge",
        "Staff with the knowledge to answer questions",
        "Mitarbeiter mit dem nötigen Wissen",
    ),
    ("empathy", "emp_individual", "Individual attention", "Individuelle Aufmerksamkeit"),
    (
        "empathy",
        "emp_interests",
        "Having customers' best interests at heart",
        "Die Interessen der Kunden im Blick",
    ),
    (
        "empathy",
        "emp_needs",
        "Understanding customers' specific needs",
        "Verständnis für die Bedürfnisse der Kunden",
    ),
];

fn servqual() -> SurveyDefinition {
    let mut questions: Vec<Question> = SERVQUAL_ITEMS
        .iter()
        .map(|(dimension, id, en, de)| Question {
            scale: Some((*dimension).to_owned()),
            dimension: Some((*dimension).to_owned()),
            page: if matches!(*dimension, "tangibles" | "reliability") { 1 } else { 2 },
            ..pair(id, 7, en, de)
        })
        .collect();
    questions.push(Question {
        page: 3,
        ..overall_csat(
            "Overall, how satisfied are you with our service?",
            "Wie zufrieden sind Sie insgesamt mit unserem Service?",
        )
    });
    questions.push(improve(3));
    survey("How good is our service?", "Wie gut ist unser Service?", questions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_is_valid_and_bilingual() {
        for t in Template::all() {
            let def = t.definition();
            def.validate().unwrap_or_else(|e| panic!("{}: {e}", t.name()));
            assert_eq!(Template::from_name(t.name()), Some(t));
            for q in &def.questions {
                assert!(q.text.has("en") && q.text.has("de"), "{}: {}", t.name(), q.id);
            }
        }
    }

    #[test]
    fn servqual_has_five_dimensions_on_three_pages_and_one_overall_item() {
        let def = Template::Servqual.definition();
        let mut dims: Vec<&str> = def.questions.iter().filter_map(|q| q.dimension.as_deref()).collect();
        dims.dedup();
        assert_eq!(dims, ["tangibles", "reliability", "responsiveness", "assurance", "empathy"]);
        assert_eq!(def.pages(), 3);
        assert_eq!(def.overall().map(|q| q.kind), Some(QuestionKind::Csat));
    }
}
