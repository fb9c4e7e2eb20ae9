//! What every CSV export shares: cells a spreadsheet will not run.

/// A cell a spreadsheet will not run as a formula: text starting with `=`, `+`, `-`, `@` (or a
/// tab or carriage return, which some programs skip before looking) gets a leading `'` (OWASP's
/// advice against CSV injection).
pub fn spreadsheet_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_plain_text_is_kept() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("+1"), "'+1");
        assert_eq!(spreadsheet_safe("-2+3"), "'-2+3");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("\t=1"), "'\t=1");
        assert_eq!(spreadsheet_safe("Ann O'Neil"), "Ann O'Neil");
        assert_eq!(spreadsheet_safe("0.42"), "0.42");
        assert_eq!(spreadsheet_safe(""), "");
    }
}
