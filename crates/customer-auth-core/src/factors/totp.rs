//! TOTP (RFC 6238) as every authenticator app reads it: SHA-1, six digits, 30-second steps, the
//! step before and after accepted for clocks that drift. The arithmetic is totp-rs's; which
//! steps were used, so a code works once (ASVS 6.5.1), is the store's.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use totp_rs::{Builder, Totp};
use zeroize::Zeroizing;

use crate::{CustomerId, Error, FactorKey, Result, Timestamp};

/// Seconds per code.
pub const TOTP_STEP_SECONDS: u64 = 30;
/// 160 bits, what RFC 4226 recommends.
const SECRET_BYTES: usize = 20;

/// What an enrolment page shows, and what it keeps until the first code confirms it.
///
/// `Debug` leaves out the secret in every form.
pub struct TotpEnrolment {
    /// The secret in base32, for typing into an app by hand.
    pub secret_base32: String,
    /// The `otpauth://totp/…` URL the QR code holds.
    pub otpauth_url: String,
    /// The QR code as an SVG document, made in-process (nothing leaves the server).
    pub qr_svg: String,
    /// The secret sealed with the app's [`FactorKey`]: keep it (in the session, say) and hand
    /// it to [`Auth::confirm_totp`](crate::Auth::confirm_totp) with the first code.
    pub sealed: String,
}

impl std::fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpEnrolment([redacted])")
    }
}

/// A fresh secret and everything its enrolment page needs.
pub(crate) fn enrol(key: &FactorKey, customer: CustomerId, issuer: &str, account: &str) -> Result<TotpEnrolment> {
    let mut secret = Zeroizing::new(vec![0u8; SECRET_BYTES]);
    getrandom::fill(&mut secret)
        .map_err(|err| Error::Config(format!("the operating system's random generator failed: {err}")))?;
    let sealed = URL_SAFE_NO_PAD.encode(key.seal(customer, &secret)?);
    describe(&secret, sealed, issuer, account)
}

/// The enrolment page again for a secret sealed earlier (after a mistyped first code).
pub(crate) fn resume(
    key: &FactorKey,
    customer: CustomerId,
    sealed: &str,
    issuer: &str,
    account: &str,
) -> Result<TotpEnrolment> {
    let secret = key.open(customer, &unseal_enrolment(key, customer, sealed)?)?;
    describe(&secret, sealed.trim().to_owned(), issuer, account)
}

fn describe(secret: &[u8], sealed: String, issuer: &str, account: &str) -> Result<TotpEnrolment> {
    let totp = totp(secret, Some((issuer, account)))?;
    let otpauth_url = totp.to_url().map_err(|err| Error::Config(format!("no otpauth URL: {err}")))?;
    let qr_svg = qrcode::QrCode::new(otpauth_url.as_bytes())
        .map_err(|err| Error::Config(format!("the QR code could not be made: {err}")))?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    Ok(TotpEnrolment { secret_base32: totp_rs::Secret::from(secret.to_vec()).to_base32(), otpauth_url, qr_svg, sealed })
}

/// The secret an enrolment sealed, back from its text form.
pub(crate) fn unseal_enrolment(key: &FactorKey, customer: CustomerId, sealed: &str) -> Result<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(sealed.trim()).map_err(|_| Error::InvalidToken)?;
    // Opened only to check it is ours; what the store keeps is the sealed form.
    key.open(customer, &bytes).map_err(|_| Error::InvalidToken)?;
    Ok(bytes)
}

fn totp(secret: &[u8], label: Option<(&str, &str)>) -> Result<Totp> {
    let mut builder = Builder::new().with_secret(secret.to_vec()).with_skew(1).with_step_duration(TOTP_STEP_SECONDS);
    if let Some((issuer, account)) = label {
        // The otpauth label may not hold a colon; apps show "issuer (account)".
        builder = builder.with_issuer(Some(issuer.replace(':', " "))).with_account_name(account.replace(':', " "));
    }
    builder.build().map_err(|err| Error::Config(format!("a TOTP secret was refused: {err}")))
}

/// The step (Unix time / 30) whose code `typed` is, within one step of `now`; `None` for a
/// wrong code or anything that is not six digits. Spaces are ignored, as apps show "123 456".
pub(crate) fn matching_step(secret: &[u8], typed: &str, now: Timestamp) -> Result<Option<u64>> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != 6 || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return Ok(None);
    }
    let Ok(now) = u64::try_from(now.as_unix()) else { return Ok(None) };
    Ok(totp(secret, None)?.check(&digits, now))
}

/// Whether `typed` has the shape of a TOTP code (six digits, spaces aside).
pub(crate) fn looks_like_totp(typed: &str) -> bool {
    let digits: Vec<char> = typed.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == 6 && digits.iter().all(char::is_ascii_digit)
}

/// The code for `secret` at `at`: what an authenticator app shows, for tests and tools.
pub fn totp_code(secret_base32: &str, at: Timestamp) -> Result<String> {
    let secret = totp_rs::Secret::try_from_base32(secret_base32)
        .map_err(|err| Error::Config(format!("not a base32 TOTP secret: {err}")))?;
    let at = u64::try_from(at.as_unix()).map_err(|_| Error::Config("a time before 1970".into()))?;
    Ok(totp(secret.as_bytes(), None)?.generate(at).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890", 8-digit codes; their last
    /// six digits are the 6-digit codes.
    #[test]
    fn codes_match_the_rfc_vectors() {
        let secret = b"12345678901234567890";
        for (time, eight_digits) in [(59, "94287082"), (1_111_111_109, "07081804"), (2_000_000_000, "69279037")] {
            let code = &eight_digits[2..];
            let step = matching_step(secret, code, Timestamp::from_unix(time)).unwrap();
            assert_eq!(step, Some(time as u64 / TOTP_STEP_SECONDS), "at {time}");
        }
    }

    #[test]
    fn the_neighbouring_steps_count_and_no_further() {
        let secret = b"12345678901234567890";
        let code = "287082"; // step 1 (t = 59)
        assert_eq!(matching_step(secret, code, Timestamp::from_unix(89)).unwrap(), Some(1), "one step late");
        assert_eq!(matching_step(secret, code, Timestamp::from_unix(5)).unwrap(), Some(1), "one step early");
        assert_eq!(matching_step(secret, code, Timestamp::from_unix(95)).unwrap(), None, "two steps late");
        assert_eq!(matching_step(secret, "287 082", Timestamp::from_unix(59)).unwrap(), Some(1));
        for garbage in ["", "28708", "2870820", "abcdef", "２８７０８２", "287082\u{0}"] {
            assert_eq!(matching_step(secret, garbage, Timestamp::from_unix(59)).unwrap(), None, "{garbage:?}");
        }
    }

    #[test]
    fn an_enrolment_round_trips_and_hides_its_secret() {
        let key = FactorKey::generate().unwrap();
        let ada = CustomerId::new();
        let enrolment = enrol(&key, ada, "Camera Store", "ada").unwrap();
        assert!(enrolment.otpauth_url.starts_with("otpauth://totp/"), "{}", enrolment.otpauth_url);
        assert!(enrolment.qr_svg.contains("<svg"));
        assert!(!format!("{enrolment:?}").contains(&enrolment.secret_base32));
        let sealed = unseal_enrolment(&key, ada, &enrolment.sealed).unwrap();
        let secret = key.open(ada, &sealed).unwrap();
        let now = Timestamp::now();
        let code = totp_code(&enrolment.secret_base32, now).unwrap();
        assert!(matching_step(&secret, &code, now).unwrap().is_some());
        assert!(unseal_enrolment(&key, CustomerId::new(), &enrolment.sealed).is_err(), "another customer's");
        let again = resume(&key, ada, &enrolment.sealed, "Camera Store", "ada").unwrap();
        assert_eq!((again.secret_base32, again.otpauth_url), (enrolment.secret_base32, enrolment.otpauth_url));
    }
}
