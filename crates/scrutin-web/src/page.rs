//! The page frame: one HTML document per response, one inline style block, no script and
//! nothing fetched from elsewhere. Mobile first: one column, large type and tap targets,
//! a visible focus ring.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::Flash;

/// The one style block. Readable on a phone, usable with a keyboard (every focusable thing
/// shows a thick ring), large tap targets (at least 44 px), enough contrast.
const STYLE: &str = r#"
*,*::before,*::after{box-sizing:border-box}
html{font-size:112.5%;-webkit-text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;line-height:1.5;color:#0b0c0c;background:#fff}
header.site{background:#1d3557;color:#fff;padding:.6rem 1rem}
header.site a{color:#fff;font-weight:700;text-decoration:none}
header.site a:focus{outline:3px solid #ffdd00;outline-offset:2px}
main{max-width:46rem;margin:0 auto;padding:1rem}
main.wide{max-width:72rem}
footer{max-width:46rem;margin:2rem auto;padding:0 1rem;color:#505a5f;font-size:.9rem}
h1{font-size:1.7rem;line-height:1.2;margin:.5rem 0 1rem}
h2{font-size:1.3rem;margin:1.5rem 0 .5rem}
a{color:#1d4ed8}
a:focus,button:focus,input:focus,select:focus,textarea:focus,summary:focus,[tabindex]:focus{outline:3px solid #ffdd00;outline-offset:0;box-shadow:0 0 0 6px #0b0c0c}
button,.button{display:inline-block;min-height:2.75rem;padding:.55rem 1.2rem;font:inherit;font-weight:700;border:2px solid #14532d;border-radius:4px;background:#15803d;color:#fff;cursor:pointer;text-decoration:none;margin:.25rem .5rem .25rem 0}
button.secondary,.button.secondary{background:#f3f2f1;color:#0b0c0c;border-color:#505a5f}
button.danger{background:#b91c1c;border-color:#7f1d1d}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
.hint{color:#505a5f;font-weight:400;margin:.1rem 0 .4rem}
input[type=text],input[type=password],input[type=date],input[type=number],input[type=search],select,textarea{font:inherit;min-height:2.75rem;padding:.4rem;border:2px solid #0b0c0c;border-radius:0;width:100%;max-width:32rem;background:#fff}
textarea{min-height:8rem;font-family:ui-monospace,Menlo,Consolas,monospace}
input.code{font-family:ui-monospace,Menlo,Consolas,monospace;letter-spacing:.05em;text-transform:uppercase}
fieldset{border:0;padding:0;margin:0 0 1rem}
legend{font-size:1.3rem;font-weight:700;margin-bottom:.5rem;padding:0}
legend h1.legend-heading{font-size:1.5rem;margin:0}
ol.candidates,ul.candidates{list-style:none;padding:0;margin:0}
ol.candidates li,ul.candidates li{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem .75rem;padding:.5rem 0;border-bottom:1px solid #b1b4b6}
.candidates .field-error{flex-basis:100%}
ol.candidates li label,ul.candidates li label{margin:0;flex:1;font-weight:400;font-size:1.1rem}
ol.candidates select{width:5rem;flex:none}
input[type=checkbox],input[type=radio]{width:2.2rem;height:2.2rem;flex:none;margin:0;accent-color:#15803d}
.radio{display:flex;align-items:center;gap:.75rem;margin:.4rem 0}
.radio label{margin:0;font-weight:400}
.withdrawn{color:#505a5f;text-decoration:line-through}
.error-summary{border:4px solid #b91c1c;padding:.75rem 1rem;margin:0 0 1.25rem}
.error-summary h2{margin-top:0}
.error-summary a{color:#b91c1c;font-weight:700}
.field-error{color:#b91c1c;font-weight:700;margin:.1rem 0}
.has-error{border-left:5px solid #b91c1c;padding-left:.6rem}
.notice{border-left:6px solid #1d4ed8;background:#eff6ff;padding:.6rem 1rem;margin:1rem 0}
.ok{border-left:6px solid #15803d;background:#f0fdf4;padding:.6rem 1rem;margin:1rem 0}
.bad{border-left:6px solid #b91c1c;background:#fef2f2;padding:.6rem 1rem;margin:1rem 0}
.tracker{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:clamp(1.1rem,5.4vw,1.6rem);font-weight:700;letter-spacing:.05em;background:#f3f2f1;padding:.5rem .75rem;display:inline-block;overflow-wrap:anywhere}
.nowrap{white-space:nowrap}
.mono{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
.scroll{overflow-x:auto;margin:.5rem 0 1rem}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #b1b4b6;padding:.35rem .6rem;text-align:left;vertical-align:top}
td.num,th.num{text-align:right}
caption{text-align:left;font-weight:700;padding:.3rem 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
.inline{display:inline}
.visually-hidden{position:absolute!important;width:1px;height:1px;margin:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
@media (max-width:30rem){dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.4rem}}
"#;

/// A whole page.
pub(crate) fn layout(title: &str, body: Markup) -> Markup {
    frame(title, false, None, body)
}

/// A whole page in the wide layout (tables of results, admin pages).
pub(crate) fn wide(title: &str, body: Markup) -> Markup {
    frame(title, true, None, body)
}

/// A page that reloads itself every `seconds` (live turnout).
pub(crate) fn refreshing(title: &str, seconds: u32, body: Markup) -> Markup {
    frame(title, true, Some(seconds), body)
}

fn frame(title: &str, wide: bool, refresh: Option<u32>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                @if let Some(s) = refresh {
                    meta http-equiv="refresh" content=(s);
                }
                title { (title) " — scrutin" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header.site { a href="/" { "scrutin · elections" } }
                main class=[wide.then_some("wide")] { (body) }
                footer {
                    "Secret ballot: this site never records who cast which ballot. "
                    a href="/" { "All elections" }
                }
            }
        }
    }
}

/// A page with a heading and one message.
pub(crate) fn message_page(title: &str, message: &str) -> Markup {
    layout(
        title,
        html! {
            h1 { (title) }
            p { (message) }
            p { a href="/" { "Back to the list of elections" } }
        },
    )
}

/// One problem in a form: the message, and the id of the field it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub field: Option<String>,
    pub message: String,
}

impl Problem {
    pub fn at(field: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            field: Some(field.into()),
            message: message.into(),
        }
    }
    pub fn general(message: impl Into<String>) -> Problem {
        Problem {
            field: None,
            message: message.into(),
        }
    }
}

/// The error summary at the top of a form: announced at once (`role="alert"`), focused on
/// load, each problem linked to its field (or to `fallback`).
pub(crate) fn error_summary(problems: &[Problem], fallback: &str) -> Markup {
    html! {
        @if !problems.is_empty() {
            div.error-summary role="alert" tabindex="-1" autofocus aria-labelledby="error-summary-title" {
                h2 #error-summary-title { "There is a problem" }
                ul {
                    @for p in problems {
                        li { a href={ "#" (p.field.as_deref().unwrap_or(fallback)) } { (p.message) } }
                    }
                }
            }
        }
    }
}

/// Flash messages, each in its own box.
pub(crate) fn flashes(flashes: &[Flash]) -> Markup {
    html! {
        @for f in flashes {
            div class=(if f.ok { "ok" } else { "bad" }) role=(if f.ok { "status" } else { "alert" }) {
                strong { (f.title) }
                @if !f.lines.is_empty() {
                    ul {
                        @for l in &f.lines { li { (l) } }
                    }
                }
            }
        }
    }
}

/// A percentage with one decimal, from a count and a total.
pub(crate) fn percent(n: u64, of: u64) -> String {
    if of == 0 {
        return "—".to_string();
    }
    let tenths = (n as u128 * 1000 + of as u128 / 2) / of as u128;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// "A, B and C".
pub(crate) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_and_lists() {
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(2, 3), "66.7%");
        assert_eq!(percent(0, 0), "—");
        assert_eq!(percent(5, 5), "100.0%");
        assert_eq!(and_list(&["a".into()]), "a");
        assert_eq!(
            and_list(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
    }

    #[test]
    fn a_page_is_one_document_with_no_script() {
        let p = layout("T <x>", html! { p { "hi" } }).into_string();
        assert!(p.starts_with("<!DOCTYPE html><html lang=\"en\">"));
        assert!(p.contains("T &lt;x&gt;"));
        assert_eq!(p.matches("<style>").count(), 1);
        assert!(!p.contains("<script"));
        assert!(!p.contains("http://") && !p.contains("https://"));
    }
}
