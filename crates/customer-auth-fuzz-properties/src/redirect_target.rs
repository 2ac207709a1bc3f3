//! `is_local_target`: whatever it accepts keeps a browser on the site.
//!
//! The oracle is the `url` crate, which resolves references by the WHATWG URL standard as
//! browsers do, quirks included: it treats `\` as `/` in http(s) URLs, drops ASCII tab and
//! newlines anywhere, and trims leading and trailing C0 controls and spaces. An accepted target
//! must resolve to the base's origin against every base, and so must each percent-decoded
//! layer of it, since the docs promise that a later decoder cannot turn it into another site.

use customer_auth_tower::{MAX_TARGET_BYTES, is_local_target, local_target};
use url::Url;

/// Pages a login form might be served from: the base a browser resolves `Location` against.
const BASES: [&str; 3] =
    ["https://shop.example/some/page", "http://shop.example:8080/a/b/?q=1#frag", "https://shop.example/"];

/// More rounds than the library decodes, so a layer it never looked at is still checked.
const DECODE_ROUNDS: usize = 8;

/// Checks the property for `data` as a target (inputs that are not UTF-8 are skipped: a target
/// is a `&str`).
pub fn check(data: &[u8]) {
    let Ok(target) = std::str::from_utf8(data) else { return };
    let accepted = is_local_target(target);
    assert_eq!(local_target(target), if accepted { target } else { "/" }, "local_target disagrees for {target:?}");
    if !accepted {
        return;
    }
    assert!(target.len() <= MAX_TARGET_BYTES, "accepted {} bytes", target.len());
    assert!(http::HeaderValue::from_str(target).is_ok(), "accepted {target:?}, which is no valid Location header");

    let bases = BASES.map(|base| Url::parse(base).expect("the bases are valid URLs"));
    let mut layer = target.as_bytes().to_vec();
    for round in 0..=DECODE_ROUNDS {
        let text = String::from_utf8_lossy(&layer);
        for base in &bases {
            assert_stays_on_site(base, &text, target, round);
        }
        let decoded: Vec<u8> = percent_encoding::percent_decode(&layer).collect();
        if decoded == layer {
            break;
        }
        layer = decoded;
    }
}

fn assert_stays_on_site(base: &Url, reference: &str, target: &str, round: usize) {
    if let Some(resolved) = escape(base, reference) {
        panic!(
            "accepted {target:?} leaves the site: after {round} rounds of decoding, {reference:?} against {base} is {resolved}"
        );
    }
}

/// Where a browser on `base` goes when told `Location: reference`, if that is another origin.
/// A reference that does not parse is no escape: a browser does not follow it.
fn escape(base: &Url, reference: &str) -> Option<Url> {
    base.join(reference).ok().filter(|resolved| resolved.origin() != base.origin())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The oracle itself must see the classic escapes, browser quirks included, or the fuzz
    /// target could pass while checking nothing.
    #[test]
    fn the_oracle_sees_escapes_through_browser_quirks() {
        let bases = BASES.map(|base| Url::parse(base).expect("the bases are valid URLs"));
        for reference in [
            "//evil.com",
            "/\\evil.com",
            "\\\\evil.com",
            "/\t/evil.com",
            "/\n/evil.com",
            "\t//evil.com",
            " //evil.com",
            "\u{1}//evil.com",
            "ftp://evil.com",
            "https://evil.com",
            "javascript:alert(1)",
        ] {
            for base in &bases {
                assert!(escape(base, reference).is_some(), "{reference:?} against {base} was not seen as an escape");
            }
        }
        for reference in ["/", "/a/../b", "/?next=//evil.com", "/.//evil.com", "/%2F%2Fevil.com"] {
            for base in &bases {
                assert_eq!(escape(base, reference), None, "{reference:?} against {base}");
            }
        }
    }
}
