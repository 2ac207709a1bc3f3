/// What a login form posts: `username` and `password`, deserialisable from a form or JSON body,
/// so a login handler needs no type of its own. Missing fields read as empty (and so as a failed
/// login, never a 400 that tells the form apart). `Debug` prints the password as `[redacted]`.
///
/// ```
/// # fn main() -> Result<(), serde_urlencoded::de::Error> {
/// use customer_auth::{LoginForm, Password};
///
/// // In an axum handler: `Form(form): Form<LoginForm>`.
/// let form: LoginForm = serde_urlencoded::from_str("username=ada&password=analytical+engine")?;
/// assert_eq!(form.username, "ada");
/// assert_eq!(form.password, Password::new("analytical engine"));
/// assert!(!format!("{form:?}").contains("analytical"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct LoginForm {
    /// The username as typed; [`Auth::authenticate`](crate::Auth::authenticate) trims nothing
    /// and matches it case-insensitively.
    pub username: String,
    /// The password as typed.
    pub password: crate::Password,
}
