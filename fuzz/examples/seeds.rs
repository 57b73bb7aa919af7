//! Writes the seed corpus in fuzz/corpus/: small generated files (no real catalog or list), each a
//! case the readers must take or refuse in Russian. Run from the workspace root:
//! `cargo run --manifest-path fuzz/Cargo.toml --example seeds`.

use std::fs;
use std::path::Path;

use encoding_rs::WINDOWS_1251;
use formats::marc::{read_catalog, to_marcxml, Encoding};

const RT: u8 = 0x1D;
const FT: u8 = 0x1E;
const US: u8 = 0x1F;

fn cp1251(s: &str) -> Vec<u8> {
    let (b, _, bad) = WINDOWS_1251.encode(s);
    assert!(!bad, "{s}");
    b.into_owned()
}

/// One ISO 2709 record whose directory matches its data; `enc` turns text into bytes.
fn iso(leader_09: char, fields: &[(&str, &str, &[(char, &str)])], enc: fn(&str) -> Vec<u8>) -> Vec<u8> {
    let (mut directory, mut body) = (Vec::new(), Vec::new());
    for (tag, value, subfields) in fields {
        let mut content = enc(value);
        for (code, v) in subfields.iter() {
            content.push(US);
            content.extend(enc(&code.to_string()));
            content.extend(enc(v));
        }
        directory.extend(format!("{tag}{:04}{:05}", content.len() + 1, body.len()).bytes());
        body.extend(content);
        body.push(FT);
    }
    directory.push(FT);
    let base = 24 + directory.len();
    let mut out = format!("{:05}nam {leader_09}22{base:05}   450 ", base + body.len() + 1).into_bytes();
    out.extend(directory);
    out.extend(body);
    out.push(RT);
    out
}

fn utf8(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn rusmarc(id: &str, sets: &str, title: &str, enc: fn(&str) -> Vec<u8>) -> Vec<u8> {
    let general = format!("20240115d2024    k  y0rusy{sets}    ca");
    iso(
        ' ',
        &[
            ("001", id, &[]),
            ("100", "  ", &[('a', &general)]),
            ("200", "1 ", &[('a', title), ('f', "А. С. Пушкин")]),
            ("210", "  ", &[('c', "Детская литература"), ('d', "2024")]),
            ("700", " 1", &[('a', "Пушкин"), ('g', "Александр Сергеевич")]),
        ],
        enc,
    )
}

fn marc21() -> Vec<u8> {
    iso(
        'a',
        &[
            ("001", "ocm000001", &[]),
            ("008", "240115s2024    ru            000 0 rus d", &[]),
            ("100", "1 ", &[('a', "Толстой, Лев Николаевич,"), ('d', "1828-1910.")]),
            ("245", "10", &[('a', "Война и мир /"), ('c', "Л. Н. Толстой.")]),
        ],
        utf8,
    )
}

const PDF: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n";

const XML_BODY: &str = r#"
  <leader>00000nam  2200000   450 </leader>
  <controlfield tag="001">RU/1</controlfield>
  <datafield tag="200" ind1="1" ind2=" ">
    <subfield code="a">Капитанская дочка</subfield>
    <subfield code="f">Пушкин &amp; &lt;сотоварищи&gt; &#1071;</subfield>
  </datafield>
  <datafield tag="700" ind1=" " ind2="1">
    <subfield code="a">Пушкин</subfield>
    <subfield code="b"><![CDATA[А. С.]]></subfield>
  </datafield>
"#;

const FSEM_HEADER: &str = "Материал;Дата включения (указывается с 01.01.2017)\r\n";

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join(name), bytes).unwrap();
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");

    // ISO 2709.
    let dir = root.join("iso2709");
    let one = rusmarc("RU/1", "0189", "Капитанская дочка", cp1251);
    let two = rusmarc("RU/2", "0189", "Мёртвые души", cp1251);
    write(&dir, "rusmarc_cp1251.iso", &[one.clone(), two.clone()].concat());
    write(&dir, "rusmarc_utf8.iso", &rusmarc("RU/3", "50  ", "Ёжик в тумане", utf8));
    write(&dir, "marc21_utf8.iso", &marc21());
    write(&dir, "truncated.iso", &[&one[..], &two[..two.len() / 2]].concat());
    // Line breaks between records and every 80 bytes inside them.
    let mut crlf = Vec::new();
    for record in [&one, &two] {
        for line in record.chunks(80) {
            crlf.extend_from_slice(line);
            crlf.extend_from_slice(b"\r\n");
        }
    }
    write(&dir, "crlf.iso", &crlf);
    // The record terminator missing between two records, and a wrong length in the leader.
    let mut joined = [&one[..one.len() - 1], &two[..]].concat();
    joined[..5].copy_from_slice(b"00042");
    write(&dir, "missing_terminator.iso", &joined);
    write(&dir, "empty.iso", b"");
    write(&dir, "pdf.iso", PDF);

    // MARCXML.
    let dir = root.join("marcxml");
    write(
        &dir,
        "namespace.xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<collection xmlns=\"http://www.loc.gov/MARC21/slim\">\n<record>{XML_BODY}</record>\n</collection>\n"
        )
        .as_bytes(),
    );
    let prefixed = XML_BODY.replace('<', "<marc:").replace("<marc:/", "</marc:").replace("<marc:![CDATA[", "<![CDATA[");
    write(
        &dir,
        "prefix.xml",
        format!("<marc:collection xmlns:marc=\"http://www.loc.gov/MARC21/slim\"><marc:record>{prefixed}</marc:record></marc:collection>").as_bytes(),
    );
    write(
        &dir,
        "cp1251_no_namespace.xml",
        &cp1251(&format!(
            "<?xml version=\"1.0\" encoding=\"windows-1251\"?>\n<collection><record>{XML_BODY}</record></collection>\n"
        )),
    );
    write(
        &dir,
        "sru_wrapper.xml",
        format!("<searchRetrieveResponse><records><record><recordData><record xmlns=\"http://www.loc.gov/MARC21/slim\">{XML_BODY}</record></recordData></record></records></searchRetrieveResponse>").as_bytes(),
    );
    write(&dir, "broken.xml", b"<collection>\n<record>\n  <leader>x</leader>\n  <datafield tag=\"200\">\n</record>");
    write(&dir, "cut_off.xml", format!("<collection><record>{XML_BODY}</record><record><leader>x</leader>").as_bytes());
    // What the writer makes of a Windows-1251 ISO 2709 file.
    let catalog = read_catalog(&[one.clone(), two.clone()].concat()[..], "x.iso", Encoding::Auto).unwrap();
    let mut written = Vec::new();
    to_marcxml(&catalog.records, &mut written).unwrap();
    write(&dir, "written.xml", &written);
    write(&dir, "empty.xml", b"");

    // The ФСЭМ list.
    let dir = root.join("fsem_list");
    let list = format!(
        "{FSEM_HEADER}\"Книга Засекина Р.Т. \"\"Чёрное знамя рассвета\"\" (М.: Заря, 2004)\";\r\n\
         \"Видеоролик «Поход», размещённый на сайте; решение суда от 01.02.2016\";\"15.03.2017\"\r\n\
         \"Брошюра «Слово о чистоте крови» (исключена решением суда от 01.02.2019)\";#N/A\r\n"
    );
    write(&dir, "bom_crlf.csv", &[b"\xEF\xBB\xBF".as_slice(), list.as_bytes()].concat());
    let numbered = "Федеральный список экстремистских материалов\r\n\r\n№;Материал;Дата включения\r\n1;Книга «А»;\r\n5.;Книга «Б»;12.03.2018 г.\r\n5;Книга «В»;2018-03-13\r\nx;Книга «Г»;31.02.2018\r\n";
    write(&dir, "cp1251_numbered.csv", &cp1251(numbered));
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.write_string(0, 0, "№ п/п").unwrap();
    ws.write_string(0, 1, "Материал").unwrap();
    ws.write_string(0, 2, "Дата включения (указывается с 01.01.2017)").unwrap();
    ws.write_number(1, 0, 1.0).unwrap();
    ws.write_string(1, 1, "Книга «А»").unwrap();
    ws.write_string(1, 2, "#N/A").unwrap();
    write(&dir, "list.xlsx", &book.save_to_buffer().unwrap());
    write(&dir, "empty.csv", b"");
    write(&dir, "pdf.csv", PDF);

    // Generic CSV.
    let dir = root.join("csv");
    let table = "Название;Класс\r\n\r\n\"Русский язык: учебник; в 2 частях\";5\r\n\"x\ny\";\"с \"\"кавычками\"\"\"\r\n;;\r\n last ; 1 \r\nкороткая";
    write(&dir, "bom_crlf.csv", &[b"\xEF\xBB\xBF".as_slice(), table.as_bytes()].concat());
    write(&dir, "cp1251.csv", &cp1251(table));
    let le: Vec<u8> = table.encode_utf16().flat_map(u16::to_le_bytes).collect();
    write(&dir, "utf16le.txt", &[b"\xFF\xFE".as_slice(), &le].concat());
    write(&dir, "comma_lf.csv", "Класс,Название\n5,\"Алгебра, 7 класс\"\n6,Геометрия\n".as_bytes());
    write(&dir, "tab.tsv", "Класс\tНазвание\n5\tАлгебра\n".as_bytes());
    // UTF-8 with one Windows-1251 line: mixed encodings.
    write(&dir, "mixed.csv", &[table.as_bytes(), b"\r\n", &cp1251("Ёж;7")].concat());
    write(&dir, "empty.csv", b"");
    write(&dir, "pdf.csv", PDF);
}
