//! Checking a library catalog against the federal list of extremist materials (ФСЭМ).
//!
//! An entry of the list is a court's free text: the kind of material, its title, authors,
//! publisher, web addresses and the decision, sometimes for many materials at once. A catalog
//! record is a title and an author as a librarian typed them. Neither side is clean, so the
//! check finds *candidates* for a person to confirm or dismiss, and says in Russian why each one
//! came up.
//!
//! The rules a person applies, and this module with them:
//! - the title is what must agree: the words of the list's title must be found in the record's,
//!   and the record must not be mostly other words (word forms, case, ё, quotes, word order,
//!   typos and Latin spelling do not matter);
//! - the author decides between namesakes: the same surname raises a candidate, another
//!   surname lowers it below the threshold;
//! - the kind of material decides what a library can hold at all: a video, a song, a web page
//!   or a picture named like a school classic is not the classic on the shelf. Those come up
//!   only when both the title and the author agree; a journal or an article whose author the
//!   record does not share is not a book by that author.
//!
//! The score is `0.7 · T + 0.3 · A`. T is how much the titles agree: the harmonic mean of the
//! share of the list title's words found in the record's title and the share of the record's
//! found in the list's, each word weighted by its rarity among the list's titles (IDF), a word
//! found with a typo counting 0.85; the best of the whole titles and their main titles (before
//! a subtitle or a volume). A is 1 for the same surname (and no other first initial), 0.5 when
//! one side names nobody, 0 for another person. A video, song, page or picture counts only with
//! T ≥ 0.9 and A = 1; an article, leaflet or journal not at all against a record naming another
//! author. [`Index`] finds the materials to score by the words their titles share with the
//! record, so a record is never compared with the whole list.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

use crate::text::clean;

/// Candidates scoring at least this are shown to the commission. An exact title scores 1.0 with
/// the same author, 0.85 when one side names no author, and 0.7 — below — with another author;
/// one typo in a title of two words still scores about 0.8 without an author; one word of a
/// two-word title (T ≈ 0.67) needs the same author to reach it. A district that prefers to see
/// more (or fewer) candidates sets its own.
pub const DEFAULT_THRESHOLD: f32 = 0.72;

/// An entry of the list as the matcher needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    pub number: u32,
    pub text: String,
    /// The entry was excluded from the list; its matches are shown as such, not as hits.
    pub excluded: bool,
}

/// A record of a school's catalog: the title and the author fields as exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogRecord {
    pub id: i64,
    pub title: String,
    pub author: String,
}

/// An entry of the list that a record may be.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The entry's number in the list.
    pub entry: u32,
    /// 0..=1; see [`DEFAULT_THRESHOLD`].
    pub score: f32,
    /// Why, in Russian: «совпали слова названия: майн, кампф; автор: Гитлер».
    pub why: String,
    /// The entry is excluded from the list: show the match as such.
    pub excluded: bool,
}

/// What kind of material an entry names, as far as a library is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A book, brochure or collection: what a library holds.
    Book,
    /// An article, text, leaflet, poem or address: held only inside something else, so a book
    /// record by another author is not it.
    Text,
    /// A journal or newspaper: catalogued by title, without an author.
    Periodical,
    /// A video, a recording, a song, a web page or an image: no library holds these.
    NotHeld,
    /// «Информационный материал» or nothing said.
    Unspecified,
}

impl Kind {
    /// Whether school libraries hold materials of this kind.
    pub fn held_by_libraries(self) -> bool {
        self != Kind::NotHeld
    }
}

/// A person named in an entry or a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// As written (an entry often writes it in the genitive: «книга Гитлера А.»).
    pub surname: String,
    /// Capital letters of the given names, «А», «МА», or "" when none were written.
    pub initials: String,
}

/// One material of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Material {
    pub kind: Kind,
    /// The word that named the kind, lower case: «книга», «видеоролик»; "" when none did.
    pub kind_word: String,
    /// Titles as written, without the quotes; several when the entry lists books under one kind.
    pub titles: Vec<String>,
    pub authors: Vec<Author>,
}

/// Whether an entry's text says it was excluded from the list («Исключен», «исключена
/// решением …»), and not merely «за исключением» something.
pub fn is_excluded(text: &str) -> bool {
    words(text).iter().any(|w| matches!(w.as_str(), "исключен" | "исключена" | "исключено" | "исключены"))
}

// ---------------------------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------------------------

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::Russian))
}

fn is_cyrillic(c: char) -> bool {
    matches!(c, 'А'..='я' | 'Ё' | 'ё')
}

/// Latin letters that look like Cyrillic ones, as they get typed into Russian words by a
/// keyboard in the wrong layout («Мacтep» with Latin a, c, p).
fn homoglyph(c: char) -> Option<char> {
    Some(match c {
        'A' => 'А',
        'B' => 'В',
        'C' => 'С',
        'E' => 'Е',
        'H' => 'Н',
        'K' => 'К',
        'M' => 'М',
        'O' => 'О',
        'P' => 'Р',
        'T' => 'Т',
        'X' => 'Х',
        'Y' => 'У',
        'a' => 'а',
        'c' => 'с',
        'e' => 'е',
        'o' => 'о',
        'p' => 'р',
        'x' => 'х',
        'y' => 'у',
        _ => return None,
    })
}

/// The words of a text: lower case, ё as е, split at anything that is not a letter or a digit
/// (quotes of every kind, punctuation, hyphens), digits apart from letters. [`clean`] first drops
/// control characters, among them the non-sorting markers U+0088/U+0089 around an article.
/// Latin look-alikes inside a Cyrillic word are made Cyrillic.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut flush = |word: &mut String| {
        if word.is_empty() {
            return;
        }
        let mixed = word.chars().any(is_cyrillic) && word.chars().any(|c| c.is_ascii_alphabetic());
        let fixed: String =
            if mixed { word.chars().map(|c| homoglyph(c).unwrap_or(c)).collect() } else { std::mem::take(word) };
        out.push(fixed.to_lowercase().replace('ё', "е"));
        word.clear();
    };
    for ch in clean(text).chars() {
        let digit = ch.is_ascii_digit();
        if ch.is_alphabetic() || digit {
            if word.chars().last().is_some_and(|l| l.is_ascii_digit() != digit) {
                flush(&mut word);
            }
            word.push(ch);
        } else {
            flush(&mut word);
        }
    }
    flush(&mut word);
    out
}

/// Words that say nothing about which title it is.
const STOPWORDS: &[&str] = &[
    "и", "в", "во", "на", "о", "об", "обо", "с", "со", "к", "ко", "по", "за", "из", "изо", "от", "до", "для", "у", "а",
    "но", "или", "же", "ли", "бы", "the", "a", "an", "of", "and", "der", "die", "das", "und", "le", "la",
];

/// Latin spelling read the way Russian writes foreign and romanised names, so that «Mein Kampf»
/// and «Майн Кампф», «Tolstoy» and «Толстой» meet. Written here because the crates that
/// transliterate go the other way (Cyrillic to one Latin standard), while catalogs hold Latin
/// titles spelled by German, English or Russian habits; matching needs only a common key, and
/// the fuzzy comparison of words absorbs what the table gets slightly wrong.
fn latin_to_cyrillic(word: &str) -> String {
    const MULTI: &[(&str, &str)] = &[
        ("shch", "щ"),
        ("tsch", "ч"),
        ("sch", "ш"),
        ("zh", "ж"),
        ("kh", "х"),
        ("ch", "ч"),
        ("sh", "ш"),
        ("ts", "ц"),
        ("tz", "ц"),
        ("ph", "ф"),
        ("th", "т"),
        ("ck", "к"),
        ("qu", "кв"),
        ("ya", "я"),
        ("ja", "я"),
        ("yu", "ю"),
        ("ju", "ю"),
        ("yo", "е"),
        ("jo", "е"),
        ("ye", "е"),
        ("ei", "ай"),
        ("ie", "и"),
        ("ey", "ей"),
        ("ay", "ай"),
        ("oo", "у"),
        ("ee", "и"),
        ("ou", "у"),
    ];
    let vowel = |c: Option<&char>| matches!(c, Some('a' | 'e' | 'i' | 'o' | 'u' | 'y'));
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len() * 2);
    let mut i = 0;
    while i < chars.len() {
        let rest: String = chars[i..].iter().take(4).collect();
        if let Some((from, to)) = MULTI.iter().find(|(from, _)| rest.starts_with(from)) {
            out.push_str(to);
            i += from.len();
            continue;
        }
        let next = chars.get(i + 1);
        let s = match chars[i] {
            'a' => "а",
            'b' => "б",
            'c' if matches!(next, Some('e' | 'i' | 'y')) => "ц",
            'c' | 'k' | 'q' => "к",
            'd' => "д",
            'e' | 'ä' | 'ö' | 'é' | 'è' => "е",
            'f' => "ф",
            // Hitler, Hamlet, Harry: Russian writes the old borrowings with Г.
            'g' | 'h' => "г",
            'i' => "и",
            'j' => "й",
            'l' => "л",
            'm' => "м",
            'n' => "н",
            'o' => "о",
            'p' => "п",
            'r' => "р",
            's' => "с",
            't' => "т",
            'u' => "у",
            'ü' => "ю",
            'v' | 'w' => "в",
            'x' => "кс",
            'y' if vowel(next) || (i > 0 && vowel(chars.get(i - 1))) => "й",
            'y' => "и",
            'z' => "з",
            'ß' => "сс",
            other => {
                out.push(other);
                i += 1;
                continue;
            }
        };
        out.push_str(s);
        i += 1;
    }
    out
}

/// The key a word is compared by: Latin read as Cyrillic, the Russian stem, then what spelling
/// varies most in folded away (й as и, no soft or hard sign, э as е, no doubled letters).
/// Numbers are their own keys.
fn key(word: &str) -> String {
    if word.chars().all(|c| c.is_ascii_digit()) {
        return word.to_string();
    }
    let cyrillic = if word.chars().any(|c| c.is_ascii_alphabetic() || "äöüßéè".contains(c)) {
        latin_to_cyrillic(word)
    } else {
        word.to_string()
    };
    let stem = stemmer().stem(&cyrillic);
    let mut out = String::with_capacity(stem.len());
    for ch in stem.chars() {
        let ch = match ch {
            'й' => 'и',
            'э' => 'е',
            'ь' | 'ъ' => continue,
            c => c,
        };
        if !out.ends_with(ch) {
            out.push(ch);
        }
    }
    out
}

/// The keys of a title's meaningful words, in order, without repeats: what the index holds.
pub fn title_keys(text: &str) -> Vec<String> {
    tokens(text).into_iter().map(|t| t.key).collect()
}

/// A meaningful word of a title: its key, the word as written (for explanations), and its key as
/// a surname (a title may hold its author's name: «Гитлер. Майн Кампф»).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Tok {
    key: String,
    word: String,
    surname: String,
}

fn tokens(text: &str) -> Vec<Tok> {
    let mut seen = HashSet::new();
    words(text)
        .into_iter()
        .filter(|w| {
            !STOPWORDS.contains(&w.as_str()) && (w.chars().count() > 1 || w.chars().all(|c| c.is_ascii_digit()))
        })
        .filter_map(|word| {
            let key = key(&word);
            seen.insert(key.clone()).then(|| Tok { key, surname: surname_base(&word), word })
        })
        .collect()
}

/// Edit distance (with swaps of neighbours) if it is at most `max`.
fn distance_within(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let width = b.len() + 1;
    let mut rows = vec![vec![0usize; width]; a.len() + 1];
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[i][0] = i;
        let mut best = usize::MAX;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1).min(rows[i][j - 1] + 1).min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
            best = best.min(d);
        }
        if best > max {
            return None;
        }
    }
    let d = rows[a.len()][b.len()];
    (d <= max).then_some(d)
}

/// Typos allowed between two words, by the shorter of the words as written and of their keys:
/// none in short words (where one letter makes another word), one from five letters (a key of
/// four), two from eight (a key of six). Numbers must be equal.
fn typos_allowed(a: &Tok, b: &Tok) -> usize {
    let word = a.word.chars().count().min(b.word.chars().count());
    let key = a.key.chars().count().min(b.key.chars().count());
    if a.key.chars().chain(b.key.chars()).any(|c| c.is_ascii_digit()) {
        0
    } else if word >= 8 && key >= 6 {
        2
    } else if word >= 5 && key >= 4 {
        1
    } else {
        0
    }
}

/// How alike two words are: 1 for equal keys, 0.85 within the typos allowed, else 0.
fn similarity(a: &Tok, b: &Tok) -> f32 {
    if a.key == b.key {
        return 1.0;
    }
    let max = typos_allowed(a, b);
    if max == 0 {
        return 0.0;
    }
    if near_keys(&a.key, &b.key, max) {
        0.85
    } else {
        0.0
    }
}

/// Whether two keys are within `max` typos of each other.
fn near_keys(a: &str, b: &str, max: usize) -> bool {
    let (x, y): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    distance_within(&x, &y, max).is_some()
}

/// Whether two surnames' keys are the same name, allowing a typo in a longer one («Засекин»,
/// «Засёкин», «Зосекин», «Кравца» and «Кравец»), none in a short one («Лисин», «Лосин»).
fn same_surname(a: &str, b: &str) -> bool {
    let shorter = a.chars().count().min(b.chars().count());
    a == b || (shorter >= 5 && !a.chars().chain(b.chars()).any(|c| c.is_ascii_digit()) && near_keys(a, b, 1))
}

/// The keys one deletion away, to find keys with a typo without comparing every pair.
fn deletions(key: &str) -> Vec<String> {
    let chars: Vec<char> = key.chars().collect();
    (0..chars.len()).map(|i| chars.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, c)| c).collect()).collect()
}

// ---------------------------------------------------------------------------------------------
// Reading an entry
// ---------------------------------------------------------------------------------------------

/// Word beginnings that name a kind of material.
const KINDS: &[(&str, Kind)] = &[
    ("книг", Kind::Book),
    ("брошюр", Kind::Book),
    ("сборник", Kind::Book),
    ("монографи", Kind::Book),
    ("пособи", Kind::Book),
    ("стать", Kind::Text),
    ("текст", Kind::Text),
    ("листовк", Kind::Text),
    ("стихотворени", Kind::Text),
    ("обращени", Kind::Text),
    ("воззвани", Kind::Text),
    ("заявлени", Kind::Text),
    ("памятк", Kind::Text),
    ("рукопис", Kind::Text),
    ("публикаци", Kind::Text),
    ("журнал", Kind::Periodical),
    ("газет", Kind::Periodical),
    ("бюллетен", Kind::Periodical),
    ("альманах", Kind::Periodical),
    ("видео", Kind::NotHeld),
    ("ролик", Kind::NotHeld),
    ("фильм", Kind::NotHeld),
    ("кинофильм", Kind::NotHeld),
    ("мультфильм", Kind::NotHeld),
    ("аудио", Kind::NotHeld),
    ("звукозапис", Kind::NotHeld),
    ("запис", Kind::NotHeld),
    ("песн", Kind::NotHeld),
    ("музыкальн", Kind::NotHeld),
    ("композици", Kind::NotHeld),
    ("трек", Kind::NotHeld),
    ("сайт", Kind::NotHeld),
    ("веб", Kind::NotHeld),
    ("интернет", Kind::NotHeld),
    ("страниц", Kind::NotHeld),
    ("сообществ", Kind::NotHeld),
    ("аккаунт", Kind::NotHeld),
    ("изображени", Kind::NotHeld),
    ("фотограф", Kind::NotHeld),
    ("фотоизображени", Kind::NotHeld),
    ("фото", Kind::NotHeld),
    ("картинк", Kind::NotHeld),
    ("рисун", Kind::NotHeld),
    ("графическ", Kind::NotHeld),
    ("демотиватор", Kind::NotHeld),
    ("плакат", Kind::NotHeld),
    ("комментари", Kind::NotHeld),
    ("файл", Kind::NotHeld),
    ("материал", Kind::Unspecified),
];

/// Words before a quoted name that make it a place or a publisher, not the material's title:
/// «опубликованная в газете «…»», «издательства «…»», «группы «…»» (a band or a community).
const CONTEXT: &[&str] = &[
    "газет",
    "журнал",
    "сайт",
    "страниц",
    "сообществ",
    "групп",
    "канал",
    "аккаунт",
    "издательств",
    "изд",
    "организаци",
    "движени",
    "парти",
    "объединени",
    "суд",
    "сет",
    "социальн",
    "интернет",
    "ресурс",
    "радио",
    "телеканал",
    "фонд",
    "общин",
    "центр",
    "союз",
    "альбом",
    "исполнени",
    "исполнител",
    "типографи",
    "студи",
];

/// Capitalised words that are never an author's surname in an entry or a record.
const NOT_SURNAMES: &[&str] = &[
    "москва",
    "издательство",
    "изд",
    "решение",
    "суд",
    "том",
    "часть",
    "выпуск",
    "сост",
    "ред",
    "пер",
    "под",
    "спб",
    "россия",
    "российской",
    "федерации",
    "информационный",
    "информационные",
    "автор",
    "авторы",
];

fn kind_of(word: &str) -> Option<Kind> {
    // «постановление», «постов» and the like would pass a short prefix; these are whole words.
    if matches!(word, "пост" | "поста" | "посты" | "постов") {
        return Some(Kind::NotHeld);
    }
    KINDS.iter().find(|(prefix, _)| word.starts_with(prefix)).map(|(_, k)| *k)
}

/// A word of an entry with its place, for the readers below.
#[derive(Debug, Clone)]
struct Word<'a> {
    start: usize,
    end: usize,
    text: &'a str,
    /// Followed by a dot (an initial, an abbreviation).
    dot: bool,
    /// Followed by «.:» or «:» (a city before its publisher: «М.: Просвещение»).
    colon: bool,
    /// What stands between the word before and this one: «. » between two initials, «, » in
    /// «Иванов, И. И.», « (» in «Кольцов В.В. (М., 2009)».
    gap: &'a str,
}

/// Words of letters and digits (hyphens inside kept), with their byte places.
fn spans(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    let mut last_end = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (n, &(i, c)) in chars.iter().enumerate() {
        let inside = c.is_alphanumeric()
            || (c == '-' && start.is_some() && chars.get(n + 1).is_some_and(|(_, d)| d.is_alphabetic()));
        match (inside, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let after = &text[i..];
                out.push(Word {
                    start: s,
                    end: i,
                    text: &text[s..i],
                    dot: after.starts_with('.'),
                    colon: after.starts_with(".:") || after.starts_with(':'),
                    gap: &text[last_end..s],
                });
                last_end = i;
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(Word {
            start: s,
            end: text.len(),
            text: &text[s..],
            dot: false,
            colon: false,
            gap: &text[last_end..s],
        });
    }
    out
}

/// Byte spans of quoted text, outermost quotes only, the quotes included. «…» nest; „…“, “…” and
/// "…" do not. A quote left open runs to the next bracket or semicolon.
fn quotes(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, char, usize)> = None; // start, closing quote, depth of «»
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (n, &(i, c)) in chars.iter().enumerate() {
        let end = i + c.len_utf8();
        match open {
            None => {
                let closer = match c {
                    '«' => Some('»'),
                    '„' => Some('“'),
                    '“' => Some('”'),
                    '"' if chars.get(n + 1).is_some_and(|(_, d)| !d.is_whitespace()) => Some('"'),
                    _ => None,
                };
                if let Some(closer) = closer {
                    open = Some((i, closer, 1));
                }
            }
            Some((start, '»', depth)) => match c {
                '«' => open = Some((start, '»', depth + 1)),
                '»' if depth > 1 => open = Some((start, '»', depth - 1)),
                '»' => {
                    out.push((start, end));
                    open = None;
                }
                _ => {}
            },
            Some((start, closer, _)) => {
                if c == closer || (closer == '“' && c == '”') {
                    out.push((start, end));
                    open = None;
                }
            }
        }
    }
    if let Some((start, _, _)) = open {
        let inner = after_chars(text, start, 1);
        let end = text[inner..].find(['(', ';']).map_or(text.len(), |e| inner + e);
        out.push((start, end));
    }
    out
}

fn inside(spans: &[(usize, usize)], at: usize) -> bool {
    spans.iter().any(|&(s, e)| s <= at && at < e)
}

/// The text of a quoted span without its quotes.
fn unquote(text: &str) -> String {
    let trimmed = text.trim_matches(|c: char| "«»„“”\"".contains(c));
    clean(trimmed)
}

/// Web addresses, which carry words («youtube», «watch») that are no title.
fn without_addresses(text: &str) -> String {
    const ZONES: &[&str] = &[".ru", ".com", ".net", ".org", ".info", ".рф", ".su", ".ua", ".kz", ".by", ".tv", ".me"];
    text.split(' ')
        .map(|chunk| {
            let lower = chunk.to_lowercase();
            let address = lower.contains("://")
                || lower.starts_with("www.")
                || ZONES.iter().any(|z| {
                    lower.contains(&format!("{z}/")) || lower.trim_end_matches(['.', ',', ';', ')']).ends_with(z)
                });
            if address {
                " "
            } else {
                chunk
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// «суд», «суда», «судебной», but not «судьба».
fn is_court_word(w: &str) -> bool {
    w.starts_with("суд") && !w.starts_with("судьб")
}

/// Whether a bracketed remark is about the court: the decision, not the material.
fn about_court(text: &str) -> bool {
    words(text).iter().any(|w| {
        w.starts_with("решени")
            || w.starts_with("определени")
            || w.starts_with("приговор")
            || w.starts_with("исключен")
            || is_court_word(w)
    })
}

/// Byte offsets in `hay` where `needle` (lower case) begins, ignoring case. Offsets found in a
/// lower-cased copy are not safe to cut the original with: lower-casing may change byte lengths.
fn find_all_ci(hay: &str, needle: &str) -> Vec<usize> {
    let n: Vec<char> = needle.chars().collect();
    hay.char_indices()
        .map(|(i, _)| i)
        .filter(|&i| {
            let mut h = hay[i..].chars().map(|c| c.to_lowercase().next().unwrap_or(c));
            n.iter().all(|&c| h.next() == Some(c))
        })
        .collect()
}

/// The byte offset `chars` characters after `at`.
fn after_chars(text: &str, at: usize, chars: usize) -> usize {
    text[at..].char_indices().nth(chars).map_or(text.len(), |(j, _)| at + j)
}

/// The entry without the court's words: bracketed remarks about the decision, and an
/// unbracketed «решение … суда …» up to the next semicolon.
fn without_court(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        let mut depth = 0;
        let mut close = None;
        for (i, c) in rest[open..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(open + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        // A bracket left open runs to the end.
        let end = close.map_or(rest.len(), |c| c + 1);
        let inner = &rest[open..end];
        out.push_str(&rest[..open]);
        if about_court(inner) {
            out.push(' ');
        } else {
            out.push_str(inner);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    // «…, решение Ленинского районного суда г. Саратова от 12.01.2015»: to the next semicolon.
    let mut kept = String::with_capacity(out.len());
    for (i, part) in out.split(';').enumerate() {
        if i > 0 {
            kept.push(';');
        }
        let cut = ["решени", "по решению", "приговор", "определени"]
            .iter()
            .flat_map(|m| find_all_ci(part, m))
            .filter(|&at| {
                part[..at].chars().last().is_none_or(|c| !c.is_alphabetic())
                    && words(&part[at..]).iter().take(8).any(|w| is_court_word(w))
            })
            .min();
        kept.push_str(&part[..cut.unwrap_or(part.len())]);
    }
    kept
}

/// A single capital letter with a dot after it: an initial (not «М.:» before a publisher).
fn is_initial(w: &Word) -> bool {
    let mut chars = w.text.chars();
    let first = chars.next();
    chars.next().is_none() && first.is_some_and(|c| c.is_uppercase()) && w.dot && !w.colon
}

/// A capitalised word of letters with lower-case letters in it that may be a surname.
fn surname_like(w: &str) -> bool {
    let mut chars = w.chars();
    let Some(first) = chars.next() else { return false };
    let rest: Vec<char> = chars.collect();
    first.is_uppercase()
        && !rest.is_empty()
        && rest.iter().all(|c| c.is_alphabetic() || *c == '-')
        && rest.iter().any(|c| c.is_lowercase())
        && {
            let lower = w.to_lowercase();
            !NOT_SURNAMES.contains(&lower.as_str()) && kind_of(&lower).is_none()
        }
}

fn is_patronymic(w: &str) -> bool {
    let lower = w.to_lowercase();
    surname_like(w) && ["вич", "вна", "ична", "инична"].iter().any(|e| lower.ends_with(e)) && lower.chars().count() > 5
}

/// People named by pattern: «Иванов И.И.», «Иванов, И. И.», «И.И. Иванов», «Иванов Иван
/// Иванович», «Иван Иванович Иванов». Each with the byte span it took.
fn people(words: &[Word]) -> Vec<(Author, usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    let initials_from = |at: usize| -> (String, usize) {
        let mut letters = String::new();
        let mut j = at;
        // Initials follow each other with nothing but a dot and spaces between: not «В.В. (М., 2009)».
        while j < words.len()
            && letters.chars().count() < 3
            && is_initial(&words[j])
            && (j == at || words[j].gap.trim() == ".")
        {
            letters.push_str(words[j].text);
            j += 1;
        }
        (letters, j)
    };
    while i < words.len() {
        let w = &words[i];
        let next_close = words.get(i + 1).is_some_and(|n| matches!(n.gap.trim(), "" | ","));
        if surname_like(w.text) && !w.dot && next_close {
            let (letters, j) = initials_from(i + 1);
            if !letters.is_empty() {
                out.push((Author { surname: w.text.to_string(), initials: letters }, w.start, words[j - 1].end + 1));
                i = j;
                continue;
            }
            if i + 2 < words.len() && surname_like(words[i + 1].text) && is_patronymic(words[i + 2].text) {
                // «Иван Иванович Иванов» when a surname follows; else «Иванов Иван Иванович».
                let name: String = words[i + 1].text.chars().take(1).collect();
                let patronymic: String = words[i + 2].text.chars().take(1).collect();
                if i + 3 < words.len() && surname_like(words[i + 3].text) && !is_patronymic(words[i + 3].text) {
                    let first: String = w.text.chars().take(1).collect();
                    out.push((
                        Author { surname: words[i + 3].text.to_string(), initials: format!("{first}{name}") },
                        w.start,
                        words[i + 3].end,
                    ));
                    i += 4;
                } else {
                    out.push((
                        Author { surname: w.text.to_string(), initials: format!("{name}{patronymic}") },
                        w.start,
                        words[i + 2].end,
                    ));
                    i += 3;
                }
                continue;
            }
        }
        if is_initial(w) {
            let (letters, j) = initials_from(i);
            if let Some(s) = words.get(j).filter(|s| surname_like(s.text) && s.gap.trim() == ".") {
                let own = words.get(j + 1).is_some_and(is_initial);
                if !own {
                    out.push((Author { surname: s.text.to_string(), initials: letters }, w.start, s.end));
                    i = j + 1;
                    continue;
                }
            }
        }
        i += 1;
    }
    out
}

/// A part of an entry that names one material.
struct Segment {
    start: usize,
    end: usize,
    kind: Kind,
    kind_word: String,
    /// Byte end of the kind word.
    kind_end: usize,
}

/// Splits an entry into the materials it lists: a new one begins at a kind word that starts a
/// list item (after the beginning, «;», «:», «,», a dash, a list number or «и»), not at one that
/// says where the material was («опубликованная в газете», «размещённый на сайте»).
fn segments(text: &str, quoted: &[(usize, usize)]) -> Vec<Segment> {
    let all = spans(text);
    let mut starts: Vec<(usize, Kind, String, usize)> = Vec::new();
    for (n, w) in all.iter().enumerate() {
        if inside(quoted, w.start) {
            continue;
        }
        let lower = w.text.to_lowercase().replace('ё', "е");
        let first_part = lower.split('-').next().unwrap_or("");
        let Some(kind) = kind_of(&lower).or_else(|| kind_of(first_part)) else { continue };
        let before = text[..w.start].trim_end();
        let item_start = match before.chars().last() {
            None => true,
            Some(c) if ";:,.–—-(".contains(c) => true,
            Some(')') => true,
            Some(_) => n > 0 && matches!(all[n - 1].text.to_lowercase().as_str(), "и" | "также" | "а"),
        };
        if item_start {
            starts.push((w.start, kind, lower, w.end));
        }
    }
    let mut out: Vec<Segment> = Vec::new();
    if starts.first().is_none_or(|s| !text[..s.0].trim().is_empty()) {
        let end = starts.first().map_or(text.len(), |s| s.0);
        out.push(Segment { start: 0, end, kind: Kind::Unspecified, kind_word: String::new(), kind_end: 0 });
    }
    for (i, (start, kind, word, kind_end)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(text.len(), |s| s.0);
        out.push(Segment { start: *start, end, kind: *kind, kind_word: word.clone(), kind_end: *kind_end });
    }
    out
}

/// Reads what an entry names: each material's kind, titles and authors. A material with no
/// title is left out (nothing to compare a catalog with); a kind word with no title of its own
/// right after an unspecified material («Информационный материал «…» (видеоролик)») tells that
/// material's kind.
pub fn parse_entry(text: &str) -> Vec<Material> {
    let text = without_court(&without_addresses(&clean(text)));
    let quoted = quotes(&text);
    let mut out: Vec<Material> = Vec::new();
    for seg in segments(&text, &quoted) {
        let seg_quotes: Vec<(usize, usize)> =
            quoted.iter().filter(|(s, _)| *s >= seg.start && *s < seg.end).copied().collect();
        let seg_words: Vec<Word> = spans(&text[..seg.end])
            .into_iter()
            .filter(|w| w.start >= seg.start && !inside(&seg_quotes, w.start))
            .collect();
        let mut found = people(&seg_words);
        // «книга Гитлера «Майн Кампф»»: one capitalised word between the kind word and the title.
        let words_after_kind: Vec<&Word> = seg_words.iter().filter(|w| w.start >= seg.kind_end).collect();
        if found.is_empty() && seg.kind_end > 0 {
            if let (Some(w), Some(&(q, _))) = (words_after_kind.first(), seg_quotes.first()) {
                if w.end <= q && text[w.end..q].trim().is_empty() && surname_like(w.text) {
                    found.push((Author { surname: w.text.to_string(), initials: String::new() }, w.start, w.end));
                }
            }
        }
        // «автор – Иван Петров», «автором которой является Петров».
        if found.is_empty() {
            if let Some(n) = seg_words.iter().position(|w| w.text.to_lowercase().starts_with("автор")) {
                let names: Vec<&Word> =
                    seg_words[n + 1..].iter().take_while(|w| surname_like(w.text)).take(2).collect();
                if let Some(last) = names.last() {
                    let initials =
                        if names.len() == 2 { names[0].text.chars().take(1).collect() } else { String::new() };
                    found.push((Author { surname: last.text.to_string(), initials }, names[0].start, last.end));
                }
            }
        }
        let authors: Vec<Author> = found.iter().map(|(a, _, _)| a.clone()).collect();

        let mut titles = Vec::new();
        for (n, &(qs, qe)) in seg_quotes.iter().enumerate() {
            let before: Vec<String> = words(&text[seg.start..qs]).into_iter().rev().take(2).collect();
            let right_after_kind = n == 0 && seg.kind_end > 0 && words(&text[seg.kind_end..qs]).len() <= 6;
            let context = before.iter().any(|w| CONTEXT.iter().any(|c| w.starts_with(c)));
            if right_after_kind || !context {
                let title = unquote(&text[qs..qe]);
                if !title.is_empty() && !titles.contains(&title) {
                    titles.push(title);
                }
            }
        }
        if titles.is_empty() {
            if let Some(t) = unquoted_title(&text, &seg, &found) {
                titles.push(t);
            }
        }
        if titles.is_empty() {
            // A kind word that names no title of its own may tell the kind of the material before.
            if authors.is_empty() && seg.kind != Kind::Unspecified {
                if let Some(last) = out.last_mut().filter(|m| m.kind == Kind::Unspecified) {
                    last.kind = seg.kind;
                    last.kind_word = seg.kind_word.clone();
                }
            }
            continue;
        }
        out.push(Material { kind: seg.kind, kind_word: seg.kind_word.clone(), titles, authors });
    }
    out
}

/// A title written without quotes: «Книга Иванова И.И. Путь воина. – М., 2003» → «Путь воина»;
/// or after «под названием». Only for a kind that has titles, and only when it begins with a
/// capital letter (lower case after the kind word is a description: «книга, изданная …»).
fn unquoted_title(text: &str, seg: &Segment, people: &[(Author, usize, usize)]) -> Option<String> {
    let body = &text[seg.start..seg.end];
    let named = ["под названием", "под заголовком", "озаглавленн", "с названием"]
        .iter()
        .filter_map(|m| find_all_ci(body, m).first().map(|&a| after_chars(body, a, m.chars().count())))
        .min();
    let mut from = if let Some(at) = named {
        // Past the rest of the word: «озаглавленная».
        let rest = &body[at..];
        seg.start + at + rest.find(char::is_whitespace).filter(|_| !rest.starts_with(' ')).unwrap_or(0)
    } else {
        if seg.kind_end == 0 || seg.kind == Kind::NotHeld {
            return None;
        }
        // Past an author written right after the kind word.
        people
            .iter()
            .filter(|(_, s, _)| *s >= seg.kind_end && text[seg.kind_end..*s].trim().len() <= 2)
            .map(|(_, _, e)| *e)
            .max()
            .unwrap_or(seg.kind_end)
    };
    from = from.min(seg.end);
    let rest = text[from..seg.end].trim_start_matches(|c: char| c.is_whitespace() || ".,:–—-".contains(c));
    if !rest.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit()) {
        return None;
    }
    let end = [". ", "(", ";", " – ", " — ", " - ", ", ", ".\n"]
        .iter()
        .filter_map(|d| rest.find(d))
        .min()
        .unwrap_or(rest.len());
    let title = clean(rest[..end].trim_end_matches('.'));
    (!title.is_empty() && title.chars().count() <= 200).then_some(title)
}

// ---------------------------------------------------------------------------------------------
// The index and the comparison
// ---------------------------------------------------------------------------------------------

/// A title as compared: its forms (the whole, and the main title before a subtitle), each as
/// keys.
#[derive(Debug, Clone)]
struct Title {
    shown: String,
    forms: Vec<Vec<Tok>>,
}

/// The main title: what stands before a subtitle, a volume or a remark.
fn main_title(text: &str) -> Option<&str> {
    let end = [":", ". ", " - ", " – ", " — ", "(", "[", ",", "="].iter().filter_map(|d| text.find(d)).min()?;
    let main = text[..end].trim();
    (!main.is_empty()).then_some(main)
}

fn title_of(text: &str) -> Title {
    let mut forms = vec![tokens(text)];
    if let Some(main) = main_title(text) {
        let t = tokens(main);
        if !t.is_empty() && t != forms[0] {
            forms.push(t);
        }
    }
    forms.retain(|f| !f.is_empty());
    Title { shown: text.to_string(), forms }
}

#[derive(Debug, Clone)]
struct AuthorKey {
    key: String,
    shown: String,
    /// The first initial, when written.
    initial: Option<char>,
}

/// A surname's key: Latin read as Cyrillic, and the endings of case and gender taken off, so that
/// «Гитлера», «Hitler» and «Гитлер», «Нечаевой» and «Нечаев», «Толстого» and «Толстой» meet. Not
/// the stemmer's: it takes «-ов» off «Иванов» but not off «Иванова».
fn surname_key(surname: &str) -> String {
    words(surname).iter().map(|w| surname_base(w)).collect::<Vec<_>>().join("-")
}

/// [`surname_key`] of one word already lower case.
fn surname_base(word: &str) -> String {
    const ENDINGS: &[&str] = &["ого", "ому", "ым", "ой", "ая", "ую", "а", "у", "ы", "е"];
    let w = if word.chars().any(|c| c.is_ascii_alphabetic()) { latin_to_cyrillic(word) } else { word.to_string() };
    let base = ENDINGS.iter().find_map(|e| w.strip_suffix(e).filter(|b| b.chars().count() >= 4)).unwrap_or(&w);
    base.replace('й', "и").replace(['ь', 'ъ'], "")
}

fn author_key(surname: &str, initials: &str) -> AuthorKey {
    let key = surname_key(surname);
    let initial = initials.chars().next().and_then(|c| words(&c.to_string()).first().and_then(|w| w.chars().next()));
    let initial = initial.map(|c| {
        if c.is_ascii_alphabetic() {
            latin_to_cyrillic(&c.to_string()).chars().next().unwrap_or(c)
        } else {
            c
        }
    });
    let shown = if initials.is_empty() {
        surname.to_string()
    } else {
        format!("{surname} {}", initials.chars().map(|c| format!("{c}.")).collect::<String>())
    };
    AuthorKey { key, shown, initial }
}

/// One material of the list, ready to compare.
#[derive(Debug, Clone)]
struct Indexed {
    entry: u32,
    excluded: bool,
    kind: Kind,
    kind_word: String,
    titles: Vec<Title>,
    authors: Vec<AuthorKey>,
    /// The entry lists other materials too (so the explanation names this one).
    several: bool,
    /// The smallest weight of any form of its titles, to skip it early (see `candidates`).
    lightest: f32,
}

/// The list's titles by their words, so that a catalog record is compared only with the
/// materials whose titles share a word with it.
#[derive(Debug, Clone)]
pub struct Index {
    materials: Vec<Indexed>,
    /// Key → materials whose titles hold it.
    postings: HashMap<String, Vec<u32>>,
    /// A key and each of its one-letter deletions → the keys they came from (four letters and
    /// longer), to find a key with a typo.
    near: HashMap<String, Vec<String>>,
    /// Key → inverse document frequency over the list's titles.
    idf: HashMap<String, f32>,
    /// The weight of a word no title of the list has: as rare as a word can be.
    unknown_idf: f32,
}

/// A key found in more titles than this is not used to look candidates up (the record's other
/// words find them); a record of such words only is looked up by its rarest.
const COMMON_KEY: usize = 2000;

impl Index {
    pub fn build(entries: &[ListEntry]) -> Index {
        let mut materials = Vec::new();
        for e in entries {
            let parsed = parse_entry(&e.text);
            let several = parsed.len() > 1;
            for m in parsed {
                let authors: Vec<AuthorKey> = m.authors.iter().map(|a| author_key(&a.surname, &a.initials)).collect();
                // A video or a web page can only come up when its author agrees with the record's:
                // without one, it could never be a candidate, so it is not indexed at all.
                if m.kind == Kind::NotHeld && authors.is_empty() {
                    continue;
                }
                let titles: Vec<Title> = m.titles.iter().map(|t| title_of(t)).filter(|t| !t.forms.is_empty()).collect();
                if titles.is_empty() {
                    continue;
                }
                materials.push(Indexed {
                    entry: e.number,
                    excluded: e.excluded || is_excluded(&e.text),
                    kind: m.kind,
                    kind_word: m.kind_word,
                    titles,
                    authors,
                    several,
                    lightest: 0.0,
                });
            }
        }
        let mut postings: HashMap<String, Vec<u32>> = HashMap::new();
        let mut df: HashMap<String, usize> = HashMap::new();
        let mut titles = 0usize;
        for (i, m) in materials.iter().enumerate() {
            for t in &m.titles {
                titles += 1;
                let keys: HashSet<&String> = t.forms.iter().flatten().map(|tok| &tok.key).collect();
                for k in keys {
                    *df.entry(k.clone()).or_default() += 1;
                    let list = postings.entry(k.clone()).or_default();
                    if list.last() != Some(&(i as u32)) {
                        list.push(i as u32);
                    }
                }
            }
        }
        let n = titles.max(1) as f32;
        let idf: HashMap<String, f32> = df.iter().map(|(k, &d)| (k.clone(), (1.0 + n / d as f32).ln())).collect();
        for m in &mut materials {
            m.lightest = m
                .titles
                .iter()
                .flat_map(|t| &t.forms)
                .map(|f| f.iter().map(|t| idf[&t.key]).sum::<f32>())
                .fold(f32::MAX, f32::min);
        }
        let mut near: HashMap<String, Vec<String>> = HashMap::new();
        for k in postings.keys().filter(|k| k.chars().count() >= 4 && !k.chars().any(|c| c.is_ascii_digit())) {
            for d in std::iter::once(k.clone()).chain(deletions(k)) {
                near.entry(d).or_default().push(k.clone());
            }
        }
        Index { materials, postings, near, idf, unknown_idf: (1.0 + 2.0 * n).ln() }
    }

    /// Materials indexed (an entry may list several; videos and pages without an author are
    /// not indexed).
    pub fn len(&self) -> usize {
        self.materials.len()
    }

    pub fn is_empty(&self) -> bool {
        self.materials.is_empty()
    }

    fn idf(&self, key: &str) -> f32 {
        self.idf.get(key).copied().unwrap_or(self.unknown_idf)
    }

    /// The list's keys a record's key may be: itself, and those within the typos allowed.
    fn keys_like(&self, key: &str) -> Vec<String> {
        let mut out = Vec::new();
        if self.postings.contains_key(key) {
            out.push(key.to_string());
        }
        if key.chars().count() >= 4 {
            let mut seen: HashSet<&str> = HashSet::new();
            for d in std::iter::once(key.to_string()).chain(deletions(key)) {
                for k in self.near.get(&d).into_iter().flatten() {
                    if k != key && seen.insert(k) && near_keys(key, k, if key.chars().count() >= 6 { 2 } else { 1 }) {
                        out.push(k.clone());
                    }
                }
            }
        }
        out
    }

    /// The list's entries a catalog record may be, best first, each once (with its best
    /// material), those scoring below `threshold` left out.
    pub fn candidates(&self, record: &CatalogRecord, threshold: f32) -> Vec<Candidate> {
        let rec = Record::read(record);
        let keys: HashSet<&String> = rec.title.forms.iter().flatten().map(|t| &t.key).collect();
        let mut looked: Vec<(f32, &Vec<u32>)> = Vec::new();
        for k in keys {
            for like in self.keys_like(k) {
                if let Some(list) = self.postings.get(&like) {
                    looked.push((self.idf(&like), list));
                }
            }
        }
        looked.sort_by_key(|(_, list)| list.len());
        // Each material with the weight of its title words the record shares: an upper bound of
        // what the list's title has in common with the record.
        let mut shared: HashMap<u32, f32> = HashMap::new();
        for (i, (idf, list)) in looked.iter().enumerate() {
            if list.len() > COMMON_KEY && i > 0 {
                break;
            }
            for &m in list.iter() {
                *shared.entry(m).or_default() += idf;
            }
        }
        // The author adds at most 0.3, so a title agreeing less than `least` cannot reach the
        // threshold; and a harmonic mean F needs at least F / (2 − F) of the list's title.
        let least = ((threshold - 0.3) / 0.7).clamp(0.0, 1.0);
        let least_of_list = least / (2.0 - least);
        let mut best: HashMap<u32, Candidate> = HashMap::new();
        for (m, weight) in shared {
            let m = &self.materials[m as usize];
            if weight < least_of_list * m.lightest * 0.999 {
                continue;
            }
            let Some(judged) = self.judge(&rec, m) else { continue };
            if judged.score < threshold || best.get(&m.entry).is_some_and(|c| c.score >= judged.score) {
                continue;
            }
            let why = judged.explain(m);
            best.insert(m.entry, Candidate { entry: m.entry, score: judged.score, why, excluded: m.excluded });
        }
        let mut out: Vec<Candidate> = best.into_values().collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        out
    }

    /// How well two forms of titles agree: the list's title words found in the record's, and the
    /// record's found in the list's, each weighted by rarity, as their harmonic mean. With it, the
    /// words found (the record's word, the list's word, how alike).
    fn title_agreement<'a>(&self, rec: &[&'a Tok], list: &[&'a Tok]) -> (f32, Vec<(&'a str, &'a str, f32)>) {
        let mut used = vec![false; list.len()];
        let mut pairs: Vec<(usize, usize, f32)> = Vec::new();
        // Equal keys first, then typos, so that a typo does not take a word another word equals.
        for exact in [true, false] {
            for (i, r) in rec.iter().enumerate() {
                if pairs.iter().any(|(ri, _, _)| *ri == i) {
                    continue;
                }
                let found = list.iter().enumerate().filter(|(j, _)| !used[*j]).find_map(|(j, l)| {
                    let s = if exact { f32::from(u8::from(r.key == l.key)) } else { similarity(r, l) };
                    (s > 0.0).then_some((j, s))
                });
                if let Some((j, s)) = found {
                    used[j] = true;
                    pairs.push((i, j, s));
                }
            }
        }
        let matched: f32 = pairs.iter().map(|&(_, j, s)| s * self.idf(&list[j].key)).sum();
        // A record's word found with a typo weighs what the list's word weighs: its own misspelt
        // key is unknown to the list and would count as the rarest of words.
        let rec_total: f32 = rec
            .iter()
            .enumerate()
            .map(|(i, t)| match pairs.iter().find(|(ri, _, _)| *ri == i) {
                Some(&(_, j, _)) => self.idf(&list[j].key),
                None => self.idf(&t.key),
            })
            .sum();
        let list_total: f32 = list.iter().map(|t| self.idf(&t.key)).sum();
        if matched <= 0.0 || rec_total <= 0.0 || list_total <= 0.0 {
            return (0.0, Vec::new());
        }
        let (of_rec, of_list) = ((matched / rec_total).min(1.0), (matched / list_total).min(1.0));
        let f = 2.0 * of_rec * of_list / (of_rec + of_list);
        pairs.sort_by_key(|&(i, _, _)| i);
        (f, pairs.into_iter().map(|(i, j, s)| (rec[i].word.as_str(), list[j].word.as_str(), s)).collect())
    }

    /// What a person would weigh: who wrote it, how much of the titles agree, and whether a
    /// library holds that kind of material at all. None when it cannot be the record.
    fn judge<'a>(&self, rec: &Record, m: &'a Indexed) -> Option<Judged<'a>> {
        // Who wrote it, as far as the two sides tell; a surname the record has only inside its
        // title («Гитлер. Майн Кампф») counts too, and is then no title word.
        let mut agreed: Option<String> = None;
        let mut in_title: Option<&str> = None;
        let mut initials_differ = false;
        for a in &m.authors {
            for r in &rec.authors {
                if same_surname(&a.key, &r.key) {
                    if a.initial.zip(r.initial).is_some_and(|(x, y)| x != y) {
                        initials_differ = true;
                    } else {
                        agreed.get_or_insert_with(|| r.shown.clone());
                    }
                }
            }
            if agreed.is_none() {
                if let Some(t) = rec.title.forms.iter().flatten().find(|t| same_surname(&a.key, &t.surname)) {
                    agreed = Some(a.shown.clone());
                    in_title = Some(&t.key);
                }
            }
        }
        // The list's title may carry the author the record names apart: «Гитлер А. Майн Кампф».
        let mut list_drop: Option<&str> = None;
        if agreed.is_none() && m.authors.is_empty() {
            for r in &rec.authors {
                let in_list =
                    m.titles.iter().flat_map(|t| t.forms.iter().flatten()).find(|t| same_surname(&r.key, &t.surname));
                if let Some(t) = in_list {
                    agreed = Some(r.shown.clone());
                    list_drop = Some(&t.key);
                    break;
                }
            }
        }
        let who = if let Some(name) = agreed {
            Who::Same(name)
        } else if !m.authors.is_empty() && (!rec.authors.is_empty() || initials_differ) {
            Who::Other
        } else if m.authors.is_empty() && !rec.authors.is_empty() {
            Who::NotInList
        } else {
            Who::Unknown
        };

        // The best agreement of any of the material's titles in any form with any of the record's.
        let mut best: Option<(f32, Vec<Pair>, &'a Title)> = None;
        for t in &m.titles {
            for lf in &t.forms {
                let lf: Vec<&Tok> = lf.iter().filter(|x| Some(x.key.as_str()) != list_drop).collect();
                for rf in &rec.title.forms {
                    let rf: Vec<&Tok> = rf.iter().filter(|x| Some(x.key.as_str()) != in_title).collect();
                    let (f, pairs) = self.title_agreement(&rf, &lf);
                    if best.as_ref().is_none_or(|b| f > b.0) {
                        let pairs = pairs.into_iter().map(|(a, b, s)| (a.to_string(), b.to_string(), s)).collect();
                        best = Some((f, pairs, t));
                    }
                }
            }
        }
        let (title, pairs, shown) = best?;
        if title <= 0.0 {
            return None;
        }
        let same = matches!(who, Who::Same(_));
        match m.kind {
            // No library holds it: only the same title by the same author is worth a look.
            Kind::NotHeld if title < 0.9 || !same => return None,
            // A journal, or an article or a leaflet, is not a book by an author it does not name.
            Kind::Periodical | Kind::Text if !rec.authors.is_empty() && !same => return None,
            _ => {}
        }
        let by_author = match who {
            Who::Same(_) => 1.0,
            Who::Unknown | Who::NotInList => 0.5,
            Who::Other => 0.0,
        };
        let score = (0.7 * title + 0.3 * by_author).clamp(0.0, 1.0);
        Some(Judged { score, pairs, who, title: shown })
    }
}

/// Who wrote it, as the list and the record tell.
enum Who {
    /// The same surname (and no other initial): the name as the record writes it.
    Same(String),
    /// Both name people, and not the same.
    Other,
    /// The list names nobody; the record does.
    NotInList,
    /// The record names nobody.
    Unknown,
}

/// A title word found: the record's word, the list's word, how alike (1 or 0.85 for a typo).
type Pair = (String, String, f32);

/// A material judged against a record.
struct Judged<'a> {
    score: f32,
    /// Title words found.
    pairs: Vec<Pair>,
    who: Who,
    /// The title of the material that agreed best.
    title: &'a Title,
}

impl Judged<'_> {
    /// «совпали слова названия: майн, кампф; автор: Гитлер А.», and what else a person should know.
    fn explain(&self, m: &Indexed) -> String {
        let words: Vec<String> =
            self.pairs.iter().map(|(r, l, s)| if *s < 1.0 { format!("{r} (≈ {l})") } else { r.clone() }).collect();
        let mut why = format!("совпали слова названия: {}", words.join(", "));
        let listed = || m.authors.iter().map(|a| a.shown.as_str()).collect::<Vec<_>>().join(", ");
        match &self.who {
            Who::Same(name) => why.push_str(&format!("; автор: {name}")),
            Who::Other => why.push_str(&format!("; в перечне другой автор: {}", listed())),
            Who::Unknown if !m.authors.is_empty() => {
                why.push_str(&format!("; в каталоге автор не указан, в перечне: {}", listed()))
            }
            Who::NotInList => why.push_str("; автор в перечне не указан"),
            Who::Unknown => {}
        }
        if !matches!(m.kind, Kind::Book | Kind::Unspecified) && !m.kind_word.is_empty() {
            why.push_str(&format!("; в перечне это {}", m.kind_word));
        }
        if m.several {
            why.push_str(&format!("; материал записи: «{}»", self.title.shown));
        }
        if m.excluded {
            why.push_str("; запись исключена из перечня");
        }
        why
    }
}

/// A catalog record read for comparison: its title (without a statement of responsibility or
/// «[Текст]») and the people its author field and title name.
struct Record {
    title: Title,
    authors: Vec<AuthorKey>,
}

impl Record {
    fn read(r: &CatalogRecord) -> Record {
        let mut title = clean(&r.title);
        // «[Текст]», «[Электронный ресурс]»: the kind of record, not the title.
        while let (Some(s), Some(e)) = (title.find('['), title.find(']')) {
            if e < s {
                break;
            }
            title.replace_range(s..=e, " ");
        }
        let mut authors = Vec::new();
        // «Мастер и Маргарита / М. Булгаков»: what follows the slash is who wrote it.
        let mut responsibility = String::new();
        if let Some(at) = title.find(" /").or_else(|| title.find("/ ")) {
            responsibility = title[at..].trim_start_matches([' ', '/']).to_string();
            title.truncate(at);
        }
        // «Булгаков М.А. Мастер и Маргарита»: a name written into the title.
        let found = people(&spans(&title));
        for (a, s, e) in found.iter().rev() {
            authors.push(author_key(&a.surname, &a.initials));
            let e = (*e).min(title.len());
            title.replace_range(*s..e, " ");
        }
        for field in [r.author.as_str(), responsibility.as_str()] {
            let field = clean(field);
            let words = spans(&field);
            let named = people(&words);
            if named.is_empty() {
                // «Булгаков», «Булгаков, Михаил», «Михаил Булгаков»: any capitalised word may be it.
                for w in words.iter().filter(|w| surname_like(w.text) && w.text.chars().count() > 1) {
                    authors.push(author_key(w.text, ""));
                }
            } else {
                authors.extend(named.iter().map(|(a, _, _)| author_key(&a.surname, &a.initials)));
            }
        }
        authors.retain(|a| !a.key.is_empty());
        Record { title: title_of(clean(&title).trim_matches(|c: char| ".,:;–— ".contains(c))), authors }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(number: u32, text: &str) -> ListEntry {
        ListEntry { number, text: text.into(), excluded: is_excluded(text) }
    }

    fn record(title: &str, author: &str) -> CatalogRecord {
        CatalogRecord { id: 1, title: title.into(), author: author.into() }
    }

    fn found(index: &Index, title: &str, author: &str) -> Vec<u32> {
        index.candidates(&record(title, author), DEFAULT_THRESHOLD).iter().map(|c| c.entry).collect()
    }

    #[test]
    fn words_fold_case_yo_quotes_markers_and_look_alikes() {
        assert_eq!(words("«Ёлка» „Два“ \"три\" 'четыре' — 1984г."), ["елка", "два", "три", "четыре", "1984", "г"]);
        assert_eq!(words("\u{88}The\u{89} Hobbit"), ["the", "hobbit"]);
        // Latin a, c, p inside a Cyrillic word.
        assert_eq!(words("Мacтep"), ["мастер"]);
        assert_eq!(title_keys("Мастера и Маргариты"), title_keys("мастер и маргарита"));
        assert_eq!(title_keys("Книги Ёжика"), title_keys("книга ежика"));
    }

    #[test]
    fn latin_and_cyrillic_spellings_meet() {
        assert_eq!(title_keys("Mein Kampf"), title_keys("Майн Кампф"));
        assert_eq!(title_keys("Tolstoy"), title_keys("Толстой"));
        assert_eq!(title_keys("Hitler"), title_keys("Гитлер"));
        assert_eq!(title_keys("Chekhov"), title_keys("Чехов"));
    }

    #[test]
    fn typos_are_bounded_by_word_length() {
        let tok = |w: &str| tokens(w).remove(0);
        assert!(similarity(&tok("маргарита"), &tok("маргорита")) > 0.0);
        assert!(similarity(&tok("черное"), &tok("чорное")) > 0.0);
        assert!(similarity(&tok("кампф"), &tok("кмапф")) > 0.0, "a swap of neighbours is one typo");
        assert_eq!(similarity(&tok("мир"), &tok("мор")), 0.0, "short words must be equal");
        assert_eq!(similarity(&tok("1984"), &tok("1985")), 0.0, "numbers must be equal");
        assert!(distance_within(&['а', 'б'], &['а', 'б', 'в', 'г', 'д'], 2).is_none());
    }

    #[test]
    fn exclusion_is_read_from_the_text() {
        assert!(is_excluded("Книга «Х» (исключена решением суда от 01.02.2015)"));
        assert!(is_excluded("Исключен"));
        assert!(!is_excluded("Книга «Х», за исключением главы 3"));
    }

    #[test]
    fn an_entry_is_read_into_kind_titles_and_authors() {
        let m = parse_entry(
            "Информационный материал – книга Гитлера А. «Майн Кампф» (решение Кировского районного суда г. Уфы от 24.03.2010)",
        );
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(m[0].kind, Kind::Book);
        assert_eq!(m[0].titles, ["Майн Кампф"]);
        assert_eq!(m[0].authors, [Author { surname: "Гитлера".into(), initials: "А".into() }]);

        let m = parse_entry(
            "Статья «Свет истины», опубликованная в газете «Вестник правды» № 5 за 2009 год, автор – Пётр Сомов",
        );
        assert_eq!((m[0].kind, m[0].titles.clone()), (Kind::Text, vec!["Свет истины".to_string()]));
        assert_eq!(m[0].authors[0].surname, "Сомов");

        let m = parse_entry(
            "Видеоролик «Мастер и Маргарита», размещённый на сайте http://video.example.ru/watch?v=1 (решение Ленинского районного суда г. Саратова от 12.01.2015)",
        );
        assert_eq!((m[0].kind, m[0].titles.clone()), (Kind::NotHeld, vec!["Мастер и Маргарита".to_string()]));

        let m = parse_entry("Песня «Белый ветер» группы «Кованый сапог»");
        assert_eq!(m[0].titles, ["Белый ветер"], "the band is not a title");

        let m = parse_entry("Книга Засекина Р.Т. Дорога без возврата. – М.: Заря, 2004. – 120 с.");
        assert_eq!(m[0].titles, ["Дорога без возврата"]);
        assert_eq!(m[0].authors[0].initials, "РТ");

        let m = parse_entry("Информационный материал «Огненный рассвет» (видеоролик)");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].kind, Kind::NotHeld);
    }

    #[test]
    fn an_entry_listing_several_materials_is_split() {
        let m = parse_entry(
            "Информационные материалы: 1) книга Аверина К.С. «Северный огонь»; 2) брошюра «Слово о чистоте»; 3) видеоролик «Поход», размещённый на странице «Друзья» социальной сети; 4) листовка «К оружию»",
        );
        let kinds: Vec<(Kind, Vec<String>)> = m.iter().map(|m| (m.kind, m.titles.clone())).collect();
        assert_eq!(
            kinds,
            vec![
                (Kind::Book, vec!["Северный огонь".to_string()]),
                (Kind::Book, vec!["Слово о чистоте".to_string()]),
                (Kind::NotHeld, vec!["Поход".to_string()]),
                (Kind::Text, vec!["К оружию".to_string()]),
            ]
        );
        assert_eq!(m[0].authors[0].surname, "Аверина");
        assert!(m[1].authors.is_empty());

        let m = parse_entry("Книги: «Первая тетрадь», «Вторая тетрадь» и «Третья тетрадь»");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].titles.len(), 3);
    }

    #[test]
    fn the_classic_is_not_the_video_named_like_it() {
        let index = Index::build(&[
            entry(1, "Видеоролик \"Мастер и Маргарита\" (размещённый на сайте www.example.com)"),
            entry(2, "Песня «Мастер и Маргарита» группы «Кованый сапог»"),
            entry(3, "Журнал «Мастер и Маргарита» № 3 за 2011 год"),
            entry(4, "Интернет-страница «Мастер и Маргарита» пользователя «Воланд»"),
        ]);
        assert!(found(&index, "Мастер и Маргарита", "Булгаков М.А.").is_empty());
        assert!(found(&index, "Мастер и Маргарита: роман", "Булгаков, Михаил Афанасьевич").is_empty());
        // The journal itself, catalogued by its title alone, is still found.
        assert_eq!(found(&index, "Мастер и Маргарита", ""), [3]);
    }

    #[test]
    fn a_listed_book_is_found_as_librarians_write_it() {
        let index = Index::build(&[
            entry(10, "Информационный материал – книга Гитлера А. «Майн Кампф» (решение суда от 24.03.2010)"),
            entry(11, "Книга Засекина Р.Т. «Чёрное знамя рассвета» (М.: Заря, 2004)"),
            entry(12, "Брошюра «Путь воина пустыни» (решение суда от 01.02.2016)"),
        ]);
        for (title, author) in [
            ("Майн Кампф", "Гитлер А."),
            ("Mein Kampf", "Hitler A."),
            ("МАЙН КАМПФ", ""),
            ("Майн кампф: моя борьба", "Гитлер, Адольф"),
            ("Гитлер А. Майн Кампф", ""),
            ("Майн Кампф / А. Гитлер", ""),
            ("Майн Кмапф", "Гитлер"),
        ] {
            assert_eq!(found(&index, title, author), [10], "{title} / {author}");
        }
        for (title, author) in [
            ("Черное знамя рассвета", "Засекин Р. Т."),
            ("Знамя рассвета чёрное", "Засекин"),
            ("Чорное знамя расвета", ""),
            ("Чёрного знамени рассвета", "Р.Т. Засекин"),
        ] {
            assert_eq!(found(&index, title, author), [11], "{title} / {author}");
        }
        assert_eq!(found(&index, "Путь воина пустыни", "Неизвестный А.А."), [12], "the list names no author");
        let c = &index.candidates(&record("Майн Кампф", "Гитлер А."), DEFAULT_THRESHOLD)[0];
        assert_eq!(c.why, "совпали слова названия: майн, кампф; автор: Гитлер А.");
        assert!(c.score > 0.99);
    }

    #[test]
    fn namesakes_and_fragments_are_not_candidates() {
        let index = Index::build(&[
            entry(20, "Книга Засекина Р.Т. «Чёрное знамя рассвета»"),
            entry(21, "Книга Пахомова И.И. «Исповедь»"),
            entry(22, "Брошюра «Свет ислама над миром, или Истина для всех народов»"),
        ]);
        assert!(found(&index, "Чёрное знамя", "Засекин Р.Т.").len() <= 1);
        assert!(found(&index, "Рассвет", "").is_empty(), "one word of a long title is weak");
        assert!(found(&index, "Исповедь", "Толстой Л.Н.").is_empty(), "another author");
        assert!(found(&index, "Исповедь", "Пахомов А.И.").is_empty(), "another person of that surname");
        assert!(found(&index, "Свет", "").is_empty());
        assert!(found(&index, "Истина", "").is_empty());
    }

    #[test]
    fn any_text_is_read_without_a_panic() {
        // Brackets and quotes left open, letters whose lower case is longer (İ), markers,
        // initials at the very end: what a broken copy of the list or a catalog may hold.
        let pieces = [
            "Книга",
            " «",
            "»",
            "„",
            "“",
            "\"",
            "(",
            ")",
            " решение",
            " суда",
            "Иванова",
            " И.",
            "А.",
            "İ",
            "ẞ",
            "\u{88}",
            ";",
            ":",
            ", ",
            " – ",
            "видеоролик",
            " под названием",
            "http://a.ru/",
            "1984",
            "ё",
            "Mein",
            " ",
        ];
        let mut seed = 7u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        let mut texts = Vec::new();
        for _ in 0..400 {
            let n = next() % 14;
            texts.push((0..n).map(|_| pieces[next() % pieces.len()]).collect::<String>());
        }
        let entries: Vec<ListEntry> = texts.iter().enumerate().map(|(i, t)| entry(i as u32 + 1, t)).collect();
        let index = Index::build(&entries);
        for pair in texts.chunks(2) {
            for c in index.candidates(&record(&pair[0], pair.get(1).map_or("", String::as_str)), 0.0) {
                assert!((0.0..=1.0).contains(&c.score), "{c:?}");
            }
        }
    }

    #[test]
    fn excluded_entries_come_back_marked() {
        let index = Index::build(&[entry(30, "Книга «Тайна серого камня» (исключена решением суда от 01.01.2019)")]);
        let c = index.candidates(&record("Тайна серого камня", ""), DEFAULT_THRESHOLD);
        assert_eq!(c.len(), 1);
        assert!(c[0].excluded);
        assert!(c[0].why.ends_with("запись исключена из перечня"), "{}", c[0].why);
    }
}
