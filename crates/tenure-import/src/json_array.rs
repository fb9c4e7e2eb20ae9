//! Splits a top-level JSON array into its elements as raw bytes, one at a time, with the line
//! each starts on — so a huge export streams in the memory of one element. It only tracks
//! brackets and strings; each element's own syntax is checked by `serde_json` afterwards, so a
//! broken order is one bad record while the rest still read.
//!
//! Errors here (no `[`, end of file inside an element) are fatal: the rest cannot be read.

use std::io::BufRead;

/// Largest element accepted; past it the input is taken to be broken (an unclosed string).
const MAX_ELEMENT_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    BeforeFirst,
    AfterElement,
    Done,
}

/// A fatal problem: the line where reading stopped and what was wrong.
pub(crate) type SplitError = (u64, String);

/// The elements of a JSON array read from `reader`.
pub(crate) struct JsonArray<R> {
    reader: R,
    line: u64,
    state: State,
}

impl<R: BufRead> JsonArray<R> {
    /// Reads up to and including the opening `[`.
    pub fn open(reader: R) -> Result<Self, SplitError> {
        let mut array = JsonArray { reader, line: 1, state: State::BeforeFirst };
        array.skip_whitespace()?;
        match array.next_byte()? {
            Some(b'[') => Ok(array),
            Some(other) => {
                Err((array.line, format!("expected a JSON array of orders (`[`), found `{}`", other as char)))
            }
            None => Err((array.line, "the file is empty (expected a JSON array of orders)".into())),
        }
    }

    /// The next element's start line and bytes; `None` after the closing `]`.
    pub fn next_element(&mut self) -> Option<Result<(u64, Vec<u8>), SplitError>> {
        match self.advance() {
            Ok(Some(element)) => Some(Ok(element)),
            Ok(None) => None,
            Err(error) => {
                self.state = State::Done;
                Some(Err(error))
            }
        }
    }

    fn advance(&mut self) -> Result<Option<(u64, Vec<u8>)>, SplitError> {
        if self.state == State::Done {
            return Ok(None);
        }
        self.skip_whitespace()?;
        match (self.state, self.peek()?) {
            (_, None) => Err((self.line, "unexpected end of file: the array is not closed with `]`".into())),
            (_, Some(b']')) => {
                self.next_byte()?;
                self.finish()?;
                Ok(None)
            }
            (State::AfterElement, Some(b',')) => {
                self.next_byte()?;
                self.skip_whitespace()?;
                if self.peek()? == Some(b']') {
                    return Err((self.line, "a `,` before `]`: an element is missing".into()));
                }
                self.element().map(Some)
            }
            (State::AfterElement, Some(other)) => {
                Err((self.line, format!("expected `,` or `]` between orders, found `{}`", other as char)))
            }
            (_, Some(_)) => self.element().map(Some),
        }
    }

    /// After `]`: only whitespace may follow.
    fn finish(&mut self) -> Result<(), SplitError> {
        self.state = State::Done;
        self.skip_whitespace()?;
        match self.peek()? {
            None => Ok(()),
            Some(_) => Err((self.line, "unexpected text after the closing `]`".into())),
        }
    }

    /// One element: a bracketed value with strings inside, or a bare scalar.
    fn element(&mut self) -> Result<(u64, Vec<u8>), SplitError> {
        let start = self.line;
        let mut bytes = Vec::new();
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        loop {
            if depth == 0 && !in_string && !bytes.is_empty() {
                let scalar_ends =
                    matches!(self.peek()?, None | Some(b',' | b']' | b' ' | b'\t' | b'\r' | b'\n'));
                if bytes[0] == b'{' || bytes[0] == b'[' || bytes[0] == b'"' || scalar_ends {
                    break;
                }
            }
            let byte = self.next_byte()?.ok_or_else(|| {
                (start, "unexpected end of file inside the element that starts here".to_string())
            })?;
            bytes.push(byte);
            if bytes.len() > MAX_ELEMENT_BYTES {
                return Err((
                    start,
                    "the element that starts here is larger than 64 MiB: is a string left open?".into(),
                ));
            }
            if in_string {
                match (escaped, byte) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match byte {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        self.state = State::AfterElement;
        Ok((start, bytes))
    }

    fn skip_whitespace(&mut self) -> Result<(), SplitError> {
        while matches!(self.peek()?, Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.next_byte()?;
        }
        Ok(())
    }

    fn peek(&mut self) -> Result<Option<u8>, SplitError> {
        let line = self.line;
        let buffer =
            self.reader.fill_buf().map_err(|error| (line, format!("cannot read the file: {error}")))?;
        Ok(buffer.first().copied())
    }

    fn next_byte(&mut self) -> Result<Option<u8>, SplitError> {
        let byte = self.peek()?;
        if let Some(byte) = byte {
            self.reader.consume(1);
            if byte == b'\n' {
                self.line += 1;
            }
        }
        Ok(byte)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<Result<(u64, String), SplitError>> {
        let mut array = match JsonArray::open(text.as_bytes()) {
            Ok(array) => array,
            Err(error) => return vec![Err(error)],
        };
        std::iter::from_fn(|| array.next_element())
            .map(|element| element.map(|(line, bytes)| (line, String::from_utf8(bytes).unwrap())))
            .collect()
    }

    #[test]
    fn splits_objects_with_their_start_lines() {
        let elements = split("[\n {\"a\": \"}{,]\\\"\"},\n {\"b\": [1, {\"c\": 2}]}\n]\n");
        assert_eq!(
            elements,
            vec![
                Ok((2, "{\"a\": \"}{,]\\\"\"}".to_string())),
                Ok((3, "{\"b\": [1, {\"c\": 2}]}".to_string()))
            ]
        );
    }

    #[test]
    fn splits_scalars_and_empty_arrays() {
        assert_eq!(
            split("[1, \"x\", null]"),
            vec![Ok((1, "1".into())), Ok((1, "\"x\"".into())), Ok((1, "null".into()))]
        );
        assert!(split(" [ ] ").is_empty());
    }

    #[test]
    fn broken_structure_is_a_fatal_error_with_a_line() {
        assert_eq!(split("{}"), vec![Err((1, "expected a JSON array of orders (`[`), found `{`".into()))]);
        assert_eq!(
            split("[\n{\"a\": 1"),
            vec![Err((2, "unexpected end of file inside the element that starts here".into()))]
        );
        assert!(matches!(split("[{} {}]").last(), Some(Err((1, _)))));
        assert!(matches!(split("[{},]").last(), Some(Err(_))));
        assert!(matches!(split("[{}] x").last(), Some(Err(_))));
        assert!(matches!(split("[{}").last(), Some(Err(_))));
    }
}
