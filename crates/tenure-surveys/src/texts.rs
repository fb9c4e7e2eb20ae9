//! [`Texts`]: one piece of survey wording in several languages (PRODUCT.md §4 "multi-language
//! text"), keyed by language code.
//!
//! Deliberately no language negotiation here: the caller picks a language code; [`Texts::get`]
//! falls back to the survey's default language.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The language a plain JSON string is taken to be in.
pub const PLAIN_STRING_LANGUAGE: &str = "en";

/// Texts by language code (`"en"`, `"de"`, …).
///
/// JSON: an object `{"en": "How satisfied…", "de": "Wie zufrieden…"}`, or a plain string, which is
/// taken as English ([`PLAIN_STRING_LANGUAGE`]). Always serialises as an object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Texts(pub BTreeMap<String, String>);

impl Texts {
    /// Texts with one language.
    pub fn one(lang: &str, text: &str) -> Self {
        Self(BTreeMap::from([(lang.to_owned(), text.to_owned())]))
    }

    /// English and German, the two languages the templates ship.
    pub fn en_de(en: &str, de: &str) -> Self {
        Self(BTreeMap::from([("de".to_owned(), de.to_owned()), ("en".to_owned(), en.to_owned())]))
    }

    /// The text in `lang`, else in `default_lang`, else in any language, else `""`.
    pub fn get(&self, lang: &str, default_lang: &str) -> &str {
        self.0
            .get(lang)
            .or_else(|| self.0.get(default_lang))
            .or_else(|| self.0.values().next())
            .map_or("", String::as_str)
    }

    /// Whether a non-blank text exists for `lang`.
    pub fn has(&self, lang: &str) -> bool {
        self.0.get(lang).is_some_and(|t| !t.trim().is_empty())
    }
}

impl<'de> Deserialize<'de> for Texts {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Plain(String),
            ByLanguage(BTreeMap<String, String>),
        }
        Ok(match Form::deserialize(deserializer)? {
            Form::Plain(text) => Texts::one(PLAIN_STRING_LANGUAGE, &text),
            Form::ByLanguage(map) => Texts(map),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_string_is_english_and_an_object_keeps_its_languages() {
        let plain: Texts = serde_json::from_str(r#""Hello""#).unwrap();
        assert_eq!(plain, Texts::one("en", "Hello"));
        let both: Texts = serde_json::from_str(r#"{"en":"Hello","de":"Hallo"}"#).unwrap();
        assert_eq!(both.get("de", "en"), "Hallo");
        assert_eq!(serde_json::to_string(&plain).unwrap(), r#"{"en":"Hello"}"#);
    }

    #[test]
    fn get_falls_back_to_the_default_language() {
        let t = Texts::en_de("Hello", "Hallo");
        assert_eq!(t.get("fr", "en"), "Hello");
        assert_eq!(t.get("fr", "de"), "Hallo");
        assert_eq!(Texts::default().get("en", "en"), "");
    }
}
