//! "Chrome on Linux" from a `User-Agent` header, for the sessions page, by woothee (a
//! maintained parser with its own test set shared across languages) rather than a guess of ours.

use woothee::parser::Parser;

/// A short name for the browser and system an agent string names: "Firefox on Windows 10",
/// "Safari on iPhone", or the browser or the system alone when only one is known.
pub(crate) fn describe(agent: &str) -> String {
    let Some(result) = Parser::new().parse(agent) else { return "Unknown browser".to_owned() };
    let known = |name: &str| !name.is_empty() && name != woothee::woothee::VALUE_UNKNOWN;
    let browser = result.name;
    let system = match result.os {
        "Mac OSX" => "macOS",
        os => os,
    };
    match (known(browser), known(system)) {
        (true, true) => format!("{browser} on {system}"),
        (true, false) => browser.to_owned(),
        (false, true) => format!("A browser on {system}"),
        (false, false) => "Unknown browser".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn common_browsers_have_short_names() {
        let chrome_linux =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(describe(chrome_linux), "Chrome on Linux");
        let firefox_windows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(describe(firefox_windows), "Firefox on Windows 10");
        let safari_mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15";
        assert_eq!(describe(safari_mac), "Safari on macOS");
        let safari_iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
        assert_eq!(describe(safari_iphone), "Safari on iPhone");
    }

    #[test]
    fn anything_else_is_named_as_far_as_it_goes() {
        assert_eq!(describe(""), "Unknown browser");
        assert_eq!(describe("curl/8.5.0"), "HTTP Library");
        assert_eq!(describe("Mozilla/5.0 (X11; Linux x86_64)"), "A browser on Linux");
        assert_eq!(describe("\u{0}\u{ffff}"), "Unknown browser");
    }
}
