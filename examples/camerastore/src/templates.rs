//! The shop's pages: Jinja templates from `templates/`, compiled into the binary.

use axum::response::Html;
use minijinja::Environment;
use serde::Serialize;

/// Every page, by name.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Loads the templates. Names ending in `.html` are auto-escaped.
    pub fn new() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        for (name, source) in [
            ("base.html", include_str!("../templates/base.html")),
            ("home.html", include_str!("../templates/home.html")),
            ("register.html", include_str!("../templates/register.html")),
            ("login.html", include_str!("../templates/login.html")),
            ("orders.html", include_str!("../templates/orders.html")),
            ("admin.html", include_str!("../templates/admin.html")),
        ] {
            env.add_template(name, source)?;
        }
        env.add_filter("price", |cents: i64| format!("${}.{:02}", cents / 100, cents % 100));
        Ok(Self { env })
    }

    /// Renders the page `name` with `context`.
    pub(crate) fn render(&self, name: &str, context: impl Serialize) -> Result<Html<String>, minijinja::Error> {
        self.env.get_template(name)?.render(context).map(Html)
    }
}
