//! URLs shown to people: the password of `scheme://user:password@host…` replaced by `***`, so a
//! database or mail server URL can appear in a message or a log.

/// `url` without its password.
pub fn redact_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _password)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_password;

    #[test]
    fn passwords_are_hidden_and_the_rest_kept() {
        assert_eq!(
            redact_password("postgres://app:s3cret@db:5432/tenure"),
            "postgres://app:***@db:5432/tenure"
        );
        assert_eq!(
            redact_password("smtps://ann:hun@ter2@mail.example:465"),
            "smtps://ann:***@mail.example:465"
        );
        assert_eq!(redact_password("postgres://app@db/tenure"), "postgres://app@db/tenure");
        assert_eq!(redact_password("sqlite:tenure.db"), "sqlite:tenure.db");
    }
}
