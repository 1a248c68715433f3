//! What voters receive: the credential email, the printable postal pack, the reminder. Pure
//! text; the caller sends or writes it.

/// What a voter is told about the election (the same for every voter).
#[derive(Clone, Debug)]
pub struct Notice<'a> {
    pub election_id: &'a str,
    pub title: &'a str,
    pub voting_open: String,
    pub voting_close: String,
    /// Contest names the voter may vote in.
    pub contests: Vec<String>,
    /// The voting site (`https://vote.example.org`), if votes are cast online: the email
    /// carries a link with the code, the paper the site's address.
    pub site: Option<String>,
}

impl Notice<'_> {
    /// The voting page's address, without a code.
    pub fn vote_url(&self) -> Option<String> {
        self.site
            .as_ref()
            .map(|s| format!("{}/e/{}/vote", s.trim_end_matches('/'), self.election_id))
    }
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// The credential email: subject and plain-text body.
pub fn credential_email(n: &Notice, name: &str, code: &str) -> (String, String) {
    let subject = format!("Your voting code: {}", n.title);
    let body = format!(
        "Dear {name},\n\n\
         You may vote in {title} ({contests}).\n\
         Voting opens on {open} and closes at the end of {close}.\n\n\
         Your voting code is:\n\n    {code}\n\n\
         {link}\
         Keep it private: anyone with it can vote in your place. It works once per contest.\n\
         If you lose it, ask the returning officer for a new one; the old code then stops working.\n\n\
         Election reference: {id}\n",
        title = n.title,
        contests = n.contests.join(", "),
        open = n.voting_open,
        close = n.voting_close,
        id = n.election_id,
        link = n
            .vote_url()
            .map(|u| format!("Vote here (the link carries your code):\n\n    {u}?code={code}\n\n"))
            .unwrap_or_default(),
    );
    (subject, body)
}

/// The reminder: says voting is open and when it closes, and nothing else (no code, no
/// turnout, no candidates).
pub fn reminder_email(n: &Notice, name: &str) -> (String, String) {
    let subject = format!("Reminder: {} closes on {}", n.title, n.voting_close);
    let body = format!(
        "Dear {name},\n\n\
         Voting in {title} is open until the end of {close}. Use the voting code you were sent.\n\
         If you have lost it, ask the returning officer for a new one.\n\n\
         Election reference: {id}\n",
        title = n.title,
        close = n.voting_close,
        id = n.election_id,
    );
    (subject, body)
}

/// The print stylesheet of every printed page (postal packs and reminder letters): A4, the
/// address block placed for a window envelope.
const PRINT_STYLE: &str = r#"<style>
  body { font-family: Georgia, serif; margin: 2em; }
  .address { margin: 2em 0; line-height: 1.4; }
  .code { font-family: "DejaVu Sans Mono", monospace; font-size: 20pt; letter-spacing: 0.1em;
          border: 2px solid #000; padding: 0.5em 1em; display: inline-block; }
  .ref { color: #444; font-size: 9pt; }
  @media print {
    @page { size: A4; margin: 20mm; }
    body { margin: 0; }
    .address { position: absolute; top: 45mm; left: 20mm; width: 90mm; height: 35mm; margin: 0; }
    .letter { margin-top: 95mm; }
    .pack { page-break-after: always; }
  }
</style>
"#;

fn address_block(name: &str, address: &str) -> String {
    let mut lines = vec![esc(name)];
    lines.extend(
        address
            .split([';', '\n'])
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(esc),
    );
    lines.join("<br>")
}

/// A printable postal pack for one voter: an A4 page with the address block placed for a
/// window envelope, the code and the dates; a print stylesheet, no script, nothing fetched.
pub fn postal_pack_html(
    n: &Notice,
    member_id: &str,
    name: &str,
    address: &str,
    code: &str,
) -> String {
    let body = format!(
        r#"<p>You may vote in {title} ({contests}). Voting opens on {open} and closes at the end of {close}.</p>
<p>Your voting code is:</p>
<p class="code">{code}</p>
{site}<p>Keep it private: anyone with it can vote in your place. If you lose it, ask the returning
officer for a new one; the old code then stops working.</p>
"#,
        title = esc(n.title),
        contests = esc(&n.contests.join(", ")),
        open = esc(&n.voting_open),
        close = esc(&n.voting_close),
        code = esc(code),
        site = n
            .vote_url()
            .map(|u| format!(
                "<p>Vote at <strong>{}</strong> and type the code there.</p>\n",
                esc(&u)
            ))
            .unwrap_or_default(),
    );
    letter_page(n, "Voting code", member_id, name, address, &body)
}

/// A printable reminder letter for a postal voter who has not voted: the same A4 page and
/// print stylesheet as the postal pack, addressed to the voter, saying only that voting is
/// open, until when, and how to vote with the code already sent (or ask for a new one). No
/// code, no turnout, no candidates, nobody else.
pub fn reminder_letter_html(n: &Notice, member_id: &str, name: &str, address: &str) -> String {
    let body = format!(
        r#"<p>Voting in {title} is open until the end of {close}.</p>
<p>To vote, use the voting code we sent you by post. If you have lost it, ask the returning
officer for a new one; the old code then stops working.</p>
"#,
        title = esc(n.title),
        close = esc(&n.voting_close),
    );
    letter_page(n, "Reminder", member_id, name, address, &body)
}

/// One printed A4 letter: the address block for a window envelope, the election's title, a
/// greeting, `body` (already escaped HTML) and a reference line, with the print stylesheet.
fn letter_page(
    n: &Notice,
    kind: &str,
    member_id: &str,
    name: &str,
    address: &str,
    body: &str,
) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{kind}: {title}: {member}</title>
{style}</head>
<body>
<div class="pack">
<div class="address">{address}</div>
<div class="letter">
<h1>{title}</h1>
<p>Dear {name},</p>
{body}<p class="ref">Election {eid} · member {member}</p>
</div>
</div>
</body>
</html>
"#,
        kind = esc(kind),
        title = esc(n.title),
        member = esc(member_id),
        name = esc(name),
        address = address_block(name, address),
        eid = esc(n.election_id),
        style = PRINT_STYLE,
    )
}
