//! Reading the CSRF token out of a form page, the way a browser submits it back.

/// The value of the page's `csrf_token` hidden field, if it has one.
pub(crate) fn token(html: &str) -> Option<&str> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let length = html[start..].find('"')?;
    Some(&html[start..start + length])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_hidden_field_and_nothing_in_a_page_without_one() {
        let page = r#"<form><input type="hidden" name="csrf_token" value="a-b_c9"><input name="username"></form>"#;
        assert_eq!(token(page), Some("a-b_c9"));
        assert_eq!(token("<p>no form here</p>"), None);
        assert_eq!(token(r#"<input name="csrf_token" value="unterminated"#), None);
    }
}
