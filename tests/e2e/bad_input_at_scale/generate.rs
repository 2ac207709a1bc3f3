//! The malformed requests, by category. Most are raw bytes for a TCP socket, so that nothing
//! between the test and the server tidies them up; the last category is well-formed but hostile
//! and goes through reqwest.

use super::rng::Rng;

/// The categories, in the order [`generate`] numbers them.
pub(super) const CATEGORIES: &[&str] = &[
    "form_random_bytes",
    "invalid_utf8",
    "huge_fields",
    "oversized_body",
    "lying_content_length",
    "chunked_garbage",
    "garbage_request_line",
    "garbage_target",
    "oversized_headers",
    "cookie_garbage",
    "wrong_content_type",
    "conflicting_headers",
    "nul_and_control",
    "hostile_forms",
];

/// A logged-in browser's session cookie and CSRF token.
pub(super) struct Identity {
    pub(super) cookie: String,
    pub(super) csrf: String,
}

/// What every request may use: the shop's address and two live sessions.
pub(super) struct Context {
    pub(super) host: String,
    pub(super) customer: Identity,
    pub(super) admin: Identity,
}

/// One request to send.
pub(super) enum Request {
    /// Bytes for a fresh TCP connection; `truncated` ones end with a half-close, since they
    /// promise more than they send.
    Raw { bytes: Vec<u8>, truncated: bool },
    /// A well-formed form post.
    Form { path: String, cookie: Option<String>, fields: Vec<(String, String)> },
}

/// Where a form can be posted, with its fields.
const FORMS: &[(&str, &[&str])] = &[
    ("/account/create", &["firstName", "lastName", "email", "username", "password", "confirmPassword"]),
    ("/signin", &["username", "password"]),
    ("/account/password", &["currentPassword", "password", "confirmPassword"]),
    ("/account/delete", &["password"]),
    ("/forgot", &["email"]),
    ("/reset/{token}", &["password", "confirmPassword"]),
    ("/confirm", &["username"]),
    ("/admin/customers/{id}/status", &["status"]),
    ("/logout", &[]),
    ("/account/sessions/others", &[]),
    ("/account/sessions/all", &[]),
];

/// Every route, and one that does not exist.
const PAGES: &[&str] = &[
    "/",
    "/register",
    "/login",
    "/logout",
    "/account/orders",
    "/account/password",
    "/account/delete",
    "/account/sessions",
    "/forgot",
    "/reset/{token}",
    "/confirm",
    "/confirm/{token}",
    "/admin",
    "/static/style.css",
    "/no/such/page",
];

/// Routes that end the session they are sent with: only ever sent anonymously, so the two live
/// sessions last the whole run and keep reaching the handlers behind the login guard.
const ENDS_SESSION: &[&str] = &["/logout", "/account/sessions/all", "/account/sessions/others"];

const METHODS: &[&str] = &["GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "get"];

/// Request number `index` of the run: its category and the request.
pub(super) fn generate(rng: &mut Rng, context: &Context) -> (usize, Request) {
    let category = rng.below(CATEGORIES.len());
    let request = match CATEGORIES[category] {
        "form_random_bytes" => {
            let mut raw = Raw::form(rng, context);
            raw.body = [raw.token_field(rng, context), rng.bytes(0, 2047)].concat();
            raw.request()
        }
        "invalid_utf8" => invalid_utf8(rng, context),
        "huge_fields" => {
            let mut raw = Raw::form(rng, context);
            let size = rng.between(4 * 1024, 20 * 1024);
            raw.body = form_body(rng, context, &raw, Some(size));
            raw.request()
        }
        "oversized_body" => {
            let mut raw = Raw::form(rng, context);
            let size = if rng.one_in(50) { 1024 * 1024 } else { rng.between(16 * 1024, 256 * 1024) };
            raw.body = [raw.token_field(rng, context), vec![b'a'; size]].concat();
            raw.request()
        }
        "lying_content_length" => {
            let mut raw = Raw::form(rng, context);
            raw.body = form_body(rng, context, &raw, None);
            let length = raw.body.len();
            if rng.one_in(3) {
                // Less than is sent: the rest is a second, garbage request on the connection.
                raw.content_length = Some(length / 2);
                raw.request()
            } else {
                raw.content_length = Some(length + rng.between(1, 100_000));
                Request::Raw { bytes: raw.encode(), truncated: true }
            }
        }
        "chunked_garbage" => chunked(rng, context),
        "garbage_request_line" => garbage_request_line(rng, context),
        "garbage_target" => {
            let mut raw = if rng.one_in(2) { Raw::form(rng, context) } else { Raw::page(rng, context) };
            raw.target = garbage_target(rng, &raw.target);
            raw.body = form_body(rng, context, &raw, None);
            raw.request()
        }
        "oversized_headers" => oversized_headers(rng, context),
        "cookie_garbage" => {
            let mut raw = if rng.one_in(2) { Raw::form(rng, context) } else { Raw::page(rng, context) };
            raw.body = form_body(rng, context, &raw, None);
            raw.headers.retain(|(name, _)| name != b"Cookie");
            for _ in 0..rng.between(1, 3) {
                raw.headers.push((b"Cookie".to_vec(), cookie_garbage(rng, context)));
            }
            raw.request()
        }
        "wrong_content_type" => {
            let mut raw = Raw::form(rng, context);
            raw.body = form_body(rng, context, &raw, None);
            // With the token in its header the CSRF check passes without reading the body, and
            // the handler's own form reader meets the content type.
            if let Some(which) = raw.identity.filter(|_| rng.one_in(2)) {
                raw.headers.push((b"X-CSRF-Token".to_vec(), identity(context, which).csrf.as_bytes().to_vec()));
            }
            raw.headers.retain(|(name, _)| name != b"Content-Type");
            let content_type: Vec<u8> = match rng.below(10) {
                0 => b"application/json".to_vec(),
                1 => b"multipart/form-data; boundary=xyz".to_vec(),
                2 => b"text/plain".to_vec(),
                3 => Vec::new(),
                4 => b"application/x-www-form-urlencoded; charset=utf-16".to_vec(),
                5 => b"APPLICATION/X-WWW-FORM-URLENCODED".to_vec(),
                6 => b"application/x-www-form-urlencodedx".to_vec(),
                7 => rng.printable(1, 200),
                8 => [b"application/x-www-form-urlencoded; ".as_slice(), &obs_text(rng, 40, 40)].concat(),
                _ => Vec::new(),
            };
            if !content_type.is_empty() || rng.one_in(2) {
                raw.headers.push((b"Content-Type".to_vec(), content_type));
            }
            raw.request()
        }
        "conflicting_headers" => conflicting_headers(rng, context),
        "nul_and_control" => nul_and_control(rng, context),
        _ => hostile_form(rng, context),
    };
    (category, request)
}

/// A request as bytes, built up field by field.
struct Raw {
    method: Vec<u8>,
    target: Vec<u8>,
    version: Vec<u8>,
    headers: Vec<(Vec<u8>, Vec<u8>)>,
    body: Vec<u8>,
    /// `None`: the body's real length.
    content_length: Option<usize>,
    /// The form's fields, when it is a form route.
    fields: &'static [&'static str],
    /// Which session it carries: `None` for anonymous.
    identity: Option<usize>,
}

impl Raw {
    fn new(method: &str, path: &str, rng: &mut Rng, context: &Context) -> Self {
        let target = fill_path(rng, path);
        let mut raw = Self {
            method: method.as_bytes().to_vec(),
            target,
            version: b"HTTP/1.1".to_vec(),
            headers: vec![(b"Host".to_vec(), context.host.as_bytes().to_vec())],
            body: Vec::new(),
            content_length: None,
            fields: &[],
            identity: None,
        };
        if !ENDS_SESSION.contains(&path) && !rng.one_in(3) {
            let which = usize::from(rng.one_in(3));
            raw.identity = Some(which);
            let cookie = format!("session={}", identity(context, which).cookie);
            raw.headers.push((b"Cookie".to_vec(), cookie.into_bytes()));
        }
        if rng.one_in(2) {
            raw.headers.push((b"Accept".to_vec(), b"text/html".to_vec()));
        }
        raw.headers.push((b"Connection".to_vec(), b"close".to_vec()));
        raw
    }

    /// A post to one of the forms, typed as a form.
    fn form(rng: &mut Rng, context: &Context) -> Self {
        let (path, fields) = rng.pick(FORMS);
        let mut raw = Self::new("POST", path, rng, context);
        raw.fields = fields;
        raw.headers.push((b"Content-Type".to_vec(), b"application/x-www-form-urlencoded".to_vec()));
        raw
    }

    /// A request for one of the pages, by any method.
    fn page(rng: &mut Rng, context: &Context) -> Self {
        let method = if rng.one_in(3) { rng.pick(METHODS) } else { "GET" };
        let path = rng.pick(PAGES);
        Self::new(method, path, rng, context)
    }

    /// `csrf_token=…&`: this request's own session's token most of the time, else another's, a
    /// garbage one or none.
    fn token_field(&self, rng: &mut Rng, context: &Context) -> Vec<u8> {
        let token = match (self.identity, rng.below(6)) {
            (Some(which), 0..=3) => identity(context, which).csrf.as_bytes().to_vec(),
            (_, 4) => context.customer.csrf.as_bytes().to_vec(),
            (_, 5) => return Vec::new(),
            _ => rng.printable(0, 63),
        };
        [b"csrf_token=".as_slice(), &token, b"&"].concat()
    }

    fn request(self) -> Request {
        Request::Raw { bytes: self.encode(), truncated: false }
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = [self.method.as_slice(), b" ", &self.target, b" ", &self.version, b"\r\n"].concat();
        for (name, value) in &self.headers {
            out.extend_from_slice(&[name.as_slice(), b": ", value, b"\r\n"].concat());
        }
        let has_length = self.headers.iter().any(|(name, _)| {
            name.eq_ignore_ascii_case(b"content-length") || name.eq_ignore_ascii_case(b"transfer-encoding")
        });
        if !has_length && (!self.body.is_empty() || self.content_length.is_some()) {
            let length = self.content_length.unwrap_or(self.body.len());
            out.extend_from_slice(format!("Content-Length: {length}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

fn identity(context: &Context, which: usize) -> &Identity {
    if which == 0 { &context.customer } else { &context.admin }
}

/// The route with its `{token}` or `{id}` filled in: garbage, a well-formed but unknown UUID,
/// or percent-encoded bytes.
fn fill_path(rng: &mut Rng, path: &str) -> Vec<u8> {
    let Some((before, rest)) = path.split_once('{') else { return path.as_bytes().to_vec() };
    let after = rest.split_once('}').map_or("", |(_, after)| after);
    let filler = match rng.below(5) {
        0 => format!(
            "{:08x}-{:04x}-7{:03x}-8{:03x}-{:012x}",
            rng.next() as u32,
            rng.next() as u16,
            rng.below(0x1000),
            rng.below(0x1000),
            rng.next() & 0xFFFF_FFFF_FFFF
        )
        .into_bytes(),
        1 => percent_encode(&rng.bytes(1, 64)),
        2 => vec![b'A'; rng.between(40, 4000)],
        3 => Vec::new(),
        _ => url_safe(rng, 1, 80),
    };
    [before.as_bytes(), &filler, after.as_bytes()].concat()
}

fn url_safe(rng: &mut Rng, min: usize, max: usize) -> Vec<u8> {
    let len = rng.between(min, max);
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~";
    (0..len).map(|_| rng.pick(ALPHABET)).collect()
}

fn percent_encode(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().flat_map(|byte| format!("%{byte:02X}").into_bytes()).collect()
}

/// Bytes 0x80 to 0xFF, which HTTP allows in header values as "obs-text" and UTF-8 does not
/// allow alone.
fn obs_text(rng: &mut Rng, min: usize, max: usize) -> Vec<u8> {
    let len = rng.between(min, max);
    (0..len).map(|_| 0x80 | rng.next() as u8).collect()
}

/// A value for a form field, from the plausible to the absurd.
fn field_value(rng: &mut Rng, huge: Option<usize>) -> Vec<u8> {
    if let Some(size) = huge {
        return match rng.below(3) {
            0 => vec![b'a'; size],
            1 => percent_encode(&rng.bytes(size / 3, size / 3)),
            _ => "📷".repeat(size / 12).bytes().flat_map(|byte| format!("%{byte:02X}").into_bytes()).collect(),
        };
    }
    match rng.below(12) {
        0 => Vec::new(),
        1 => b"ansel".to_vec(),
        2 => b"ansel%40example.com".to_vec(),
        3 => url_safe(rng, 1, 100),
        4 => percent_encode(&rng.bytes(1, 100)),
        5 => rng.bytes(1, 100),
        6 => b"%FF%FE%00%C0%AF%ED%A0%80".to_vec(),
        7 => b"%".to_vec(),
        8 => b"%G1%F%%%2".to_vec(),
        9 => percent_encode("Ünïcödé \u{202e}RTL\u{202c} 👩‍👩‍👧 e\u{301}".as_bytes()),
        10 => b"a+b%2B%26%3D&=&&==".to_vec(),
        _ => vec![b'x'; rng.between(73, 2000)],
    }
}

/// A form body for `raw`'s route: its fields (a few missing, repeated or unknown), and a CSRF
/// token field.
fn form_body(rng: &mut Rng, context: &Context, raw: &Raw, huge: Option<usize>) -> Vec<u8> {
    let mut pairs: Vec<Vec<u8>> = Vec::new();
    let huge_field = raw.fields.len().max(1);
    let huge_at = rng.below(huge_field);
    for (at, name) in raw.fields.iter().enumerate() {
        if rng.one_in(8) {
            continue;
        }
        let value = field_value(rng, huge.filter(|_| at == huge_at));
        pairs.push([name.as_bytes(), b"=", &value].concat());
        if rng.one_in(10) {
            pairs.push([name.as_bytes(), b"=", &field_value(rng, None)].concat());
        }
    }
    if rng.one_in(5) {
        pairs.push([url_safe(rng, 8, 8).as_slice(), b"=", &field_value(rng, None)].concat());
    }
    if rng.one_in(10) {
        pairs.push(b"novalue".to_vec());
    }
    if let Some(size) = huge.filter(|_| raw.fields.is_empty()) {
        pairs.push([b"x=".as_slice(), &vec![b'a'; size]].concat());
    }
    [raw.token_field(rng, context), pairs.join(&b'&')].concat()
}

fn invalid_utf8(rng: &mut Rng, context: &Context) -> Request {
    let mut raw = Raw::form(rng, context);
    let bad: Vec<u8> = match rng.below(4) {
        0 => obs_text(rng, 1, 40),
        1 => percent_encode(&obs_text(rng, 1, 40)),
        2 => b"%C0%80%ED%A0%80%F4%90%80%80%F8%88%80%80%80".to_vec(),
        _ => b"\xC3\x28\xE2\x82\xF0\x9F\x98".to_vec(),
    };
    match rng.below(5) {
        // In a field the handler reads.
        0 | 1 => {
            let name = raw.fields.first().copied().unwrap_or("x");
            raw.body = [raw.token_field(rng, context), name.as_bytes().to_vec(), b"=".to_vec(), bad].concat();
        }
        // In the path or the query string.
        2 => {
            raw = Raw::page(rng, context);
            raw.target = [raw.target.as_slice(), if rng.one_in(2) { b"?next=" } else { b"/" }, &bad].concat();
        }
        // In the headers the layers read.
        3 => {
            let name: &[u8] = rng.pick(&[
                b"X-CSRF-Token".as_slice(),
                b"Origin",
                b"Referer",
                b"X-Forwarded-For",
                b"User-Agent",
                b"Accept",
            ]);
            raw.body = form_body(rng, context, &raw, None);
            raw.headers.push((name.to_vec(), bad));
        }
        // In the CSRF token itself.
        _ => raw.body = [b"csrf_token=".as_slice(), &bad, b"&username=a&password=b"].concat(),
    }
    raw.request()
}

fn chunked(rng: &mut Rng, context: &Context) -> Request {
    let mut raw = Raw::form(rng, context);
    let form = form_body(rng, context, &raw, None);
    let te: &[u8] = rng.pick(&[
        b"chunked".as_slice(),
        b"chunked",
        b"gzip, chunked",
        b"chunked, chunked",
        b"identity",
        b"CHUNKED",
        b" chunked",
        b"chunked;q=1",
    ]);
    raw.headers.push((b"Transfer-Encoding".to_vec(), te.to_vec()));
    if rng.one_in(4) {
        // Both framings at once: the request-smuggling classic.
        raw.headers.push((b"Content-Length".to_vec(), form.len().to_string().into_bytes()));
    }
    let mut truncated = false;
    raw.body = match rng.below(7) {
        0 => [format!("{:x}\r\n", form.len()).as_bytes(), &form, b"\r\n0\r\n\r\n"].concat(),
        1 => [b"zz\r\n".as_slice(), &form, b"\r\n0\r\n\r\n"].concat(),
        2 => [format!("{:x}\r\n", form.len() / 2 + 1).as_bytes(), &form, b"\r\n0\r\n\r\n"].concat(),
        3 => b"ffffffffffffffffffff\r\nabc\r\n0\r\n\r\n".to_vec(),
        4 => [
            format!("{:x};ext=\"{}\"\r\n", form.len(), "x".repeat(rng.below(5000))).as_bytes(),
            &form,
            b"\r\n0\r\n\r\n",
        ]
        .concat(),
        5 => [b"5\r\nabcde\r\n0\r\nX-Trailer: ".as_slice(), &rng.printable(50, 50), b"\r\n\r\n"].concat(),
        _ => {
            truncated = true;
            [format!("{:x}\r\n", form.len() + 100).as_bytes(), &form].concat()
        }
    };
    Request::Raw { bytes: raw.encode(), truncated }
}

fn garbage_request_line(rng: &mut Rng, context: &Context) -> Request {
    let mut raw = Raw::page(rng, context);
    match rng.below(9) {
        0 => raw.method = url_safe(rng, 1, 20).to_ascii_uppercase(),
        1 => raw.method = rng.bytes(1, 20),
        2 => {
            raw.version = rng
                .pick(&[b"HTTP/1.2".as_slice(), b"HTTP/2.0", b"HTTP/0.9", b"http/1.1", b"HTTP/1.1x", b"HTTP/"])
                .to_vec()
        }
        3 => raw.version = Vec::new(),
        4 => raw.target = rng.pick(&[b"*".as_slice(), b"http://evil.example/admin", b"evil.example:443", b""]).to_vec(),
        5 => raw.method = [raw.method.as_slice(), b"  "].concat(),
        6 => {
            let line = [rng.bytes(1, 400).as_slice(), b"\r\n\r\n"].concat();
            return Request::Raw { bytes: line, truncated: false };
        }
        7 => return Request::Raw { bytes: b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(), truncated: true },
        _ => raw.method = vec![b'G'; rng.between(100, 20_000)],
    }
    raw.request()
}

fn garbage_target(rng: &mut Rng, target: &[u8]) -> Vec<u8> {
    let garbage: Vec<u8> = match rng.below(10) {
        0 => b"/../../../etc/passwd".to_vec(),
        1 => b"/%2e%2e/%2e%2e/".to_vec(),
        2 => [
            b"?next=".as_slice(),
            rng.pick(&[b"//evil.example".as_slice(), b"/\\evil.example", b"javascript:alert(1)", b"%2F%2Fevil"]),
        ]
        .concat(),
        3 => [b"?".as_slice(), &percent_encode(&rng.bytes(1, 200))].concat(),
        4 => [b"?".as_slice(), &rng.printable(1, 200)].concat().into_iter().filter(|byte| *byte != b' ').collect(),
        5 => [b"/".as_slice(), &vec![b'a'; rng.between(1000, 12_000)]].concat(),
        6 => b"?%&&==&%zz=%&a[]=1&a[x]=2".to_vec(),
        7 => b"#fragment".to_vec(),
        8 => return [b"//".as_slice(), target].concat(),
        _ => return target.iter().copied().skip(1).collect(),
    };
    [target, &garbage].concat()
}

fn oversized_headers(rng: &mut Rng, context: &Context) -> Request {
    let mut raw = if rng.one_in(2) { Raw::form(rng, context) } else { Raw::page(rng, context) };
    raw.body = form_body(rng, context, &raw, None);
    match rng.below(4) {
        0 => {
            let name: &[u8] = rng.pick(&[b"X-Junk".as_slice(), b"Cookie", b"User-Agent", b"Referer", b"X-CSRF-Token"]);
            raw.headers.push((name.to_vec(), vec![b'A'; rng.between(8 * 1024, 80 * 1024)]));
        }
        1 => {
            for n in 0..rng.between(100, 2000) {
                raw.headers.push((format!("X-H{n}").into_bytes(), b"v".to_vec()));
            }
        }
        2 => raw.headers.push((vec![b'X'; rng.between(1000, 20_000)], b"v".to_vec())),
        _ => {
            let cookies: Vec<String> = (0..rng.between(100, 1500)).map(|n| format!("c{n}=v{n}")).collect();
            raw.headers.push((b"Cookie".to_vec(), cookies.join("; ").into_bytes()));
        }
    }
    raw.request()
}

fn cookie_garbage(rng: &mut Rng, context: &Context) -> Vec<u8> {
    let valid = &context.customer.cookie;
    match rng.below(10) {
        0 => obs_text(rng, 1, 200),
        1 => [b"session=".as_slice(), &url_safe(rng, 0, 200)].concat(),
        2 => format!("session={valid}; session={valid}").into_bytes(),
        3 => format!("session={valid}; session={}", context.admin.cookie).into_bytes(),
        4 => format!("session={}{}", valid, String::from_utf8_lossy(&url_safe(rng, 5, 5))).into_bytes(),
        5 => format!("session={}", &valid[..valid.len() / 2]).into_bytes(),
        6 => format!("session=\"{valid}\"").into_bytes(),
        7 => b"session; =; ;;; session==; =session".to_vec(),
        8 => [b"session=".as_slice(), &percent_encode(&rng.bytes(60, 60))].concat(),
        _ => rng.printable(1, 300),
    }
}

fn conflicting_headers(rng: &mut Rng, context: &Context) -> Request {
    let mut raw = Raw::form(rng, context);
    raw.body = form_body(rng, context, &raw, None);
    let length = raw.body.len().to_string().into_bytes();
    let mut add = |name: &[u8], value: &[u8]| raw.headers.push((name.to_vec(), value.to_vec()));
    match rng.below(12) {
        0 => {
            add(b"Content-Length", &length);
            add(b"Content-Length", b"3");
        }
        1 => add(b"Content-Length", &[length.as_slice(), b", 3"].concat()),
        2 => add(b"Content-Length", rng.pick(&[b"-1".as_slice(), b"+5", b"99999999999999999999999", b"0x10", b""])),
        3 => add(b"Host", b"evil.example"),
        4 => add(b"Content-Type", b"application/json"),
        5 => {
            add(b"X-CSRF-Token", context.customer.csrf.as_bytes());
            add(b"X-CSRF-Token", b"forged");
        }
        6 => add(
            b"Origin",
            rng.pick(&[b"null".as_slice(), b"https://evil.example", b"http://127.0.0.1:1", b"\x80\x81", b"::::"]),
        ),
        7 => add(b"X-Forwarded-For", &rng.printable(1, 100)),
        8 => add(b"Expect", rng.pick(&[b"100-continue".as_slice(), b"garbage"])),
        9 => {
            add(b"Connection", b"Upgrade");
            add(b"Upgrade", rng.pick(&[b"websocket".as_slice(), b"h2c"]));
        }
        10 => add(b"Sec-Fetch-Site", &rng.printable(20, 20)),
        _ => {
            add(b"Referer", b"https://evil.example/");
            add(b"Origin", b"https://evil.example");
        }
    }
    raw.request()
}

fn nul_and_control(rng: &mut Rng, context: &Context) -> Request {
    let mut raw = Raw::form(rng, context);
    raw.body = form_body(rng, context, &raw, None);
    match rng.below(7) {
        0 => raw.body = [raw.body.as_slice(), b"&username=an\0sel&password=\x01\x02\x7f"].concat(),
        1 => raw.body = [raw.body.as_slice(), b"&username=an%00sel%0D%0A&email=a%0Ab%40c"].concat(),
        2 => raw.target = [raw.target.as_slice(), b"\0"].concat(),
        3 => raw.headers.push((b"X-Csrf-Token".to_vec(), b"a\0b".to_vec())),
        4 => raw.headers.push((b"X-Folded".to_vec(), b"a\r\n folded".to_vec())),
        5 => {
            // Bare LF line endings in the head; the body keeps its bytes, so its length holds.
            let bytes = raw.encode();
            let end = bytes.windows(4).position(|window| window == b"\r\n\r\n").map_or(bytes.len(), |at| at + 4);
            let head = bytes[..end].iter().copied().filter(|byte| *byte != b'\r');
            return Request::Raw { bytes: head.chain(bytes[end..].iter().copied()).collect(), truncated: false };
        }
        _ => raw.headers.push((b"X-Tab\t".to_vec(), b"\tv\t".to_vec())),
    }
    raw.request()
}

/// A well-formed form post from a live session with its valid token, whose values are anything a
/// keyboard, a paste or a script can produce.
fn hostile_form(rng: &mut Rng, context: &Context) -> Request {
    let (path, names) = loop {
        let form = rng.pick(FORMS);
        if !ENDS_SESSION.contains(&form.0) {
            break form;
        }
    };
    let path = String::from_utf8_lossy(&fill_path(rng, path)).into_owned();
    let who = identity(context, usize::from(rng.one_in(3)));
    let mut fields = vec![("csrf_token".to_owned(), who.csrf.clone())];
    for name in names.iter() {
        let value = match rng.below(6) {
            0 => String::new(),
            1 => "x".repeat(rng.between(1, 15_000)),
            2 => String::from_utf8_lossy(&rng.bytes(1, 200)).into_owned(),
            3 => "\0\u{1}\u{7f}\u{202e}\u{feff}\u{fffd}\u{10ffff}".repeat(rng.between(1, 20)),
            4 => "👩‍👩‍👧".repeat(rng.between(1, 100)),
            _ => String::from_utf8_lossy(&rng.printable(1, 100)).into_owned(),
        };
        fields.push(((*name).to_owned(), value));
    }
    Request::Form { path, cookie: Some(format!("session={}", who.cookie)), fields }
}
