//! The index's documents: one per ticket.
//!
//! * `id` (indexed, fast): the ticket id, to replace a ticket's document and to map hits to tickets;
//! * `grams`, `number`: the trigram hashes of the folded subject ([`super::fold`]) and the hash
//!   of the folded number, for `query`;
//! * `subject`, `body` (the text of every thread entry, titles included), `people` (the user's
//!   name and e-mail, the ticket number): words for `mode=fulltext`, analysed by [`ANALYZER`]
//!   ([`super::words`]: words, and bigrams of CJK and Thai text).

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED,
};
use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, RemoveLongFilter, TextAnalyzer};
use tantivy::Index;

use super::words::{Mode, WordTokenizer};

/// Name of the text analyser: words, lower-cased, accents folded (`Müller` finds `muller`).
pub const ANALYZER: &str = "osticket_words";

/// The format of the documents and their analysis, recorded in every commit's payload. An index
/// of another format is not used (search answers through SQL) until it is rebuilt. Raise it
/// whenever documents or [`analyzer`] change. 1: words of `SimpleTokenizer`; 2: CJK and Thai
/// bigrams, combining marks kept with their character, NFC.
pub const FORMAT: u32 = 2;

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Ticket id.
    pub id: Field,
    /// Subject trigrams.
    pub grams: Field,
    /// Hash of the folded ticket number.
    pub number: Field,
    /// Subject words.
    pub subject: Field,
    /// Thread entry words.
    pub body: Field,
    /// User name, e-mail and ticket number.
    pub people: Field,
}

/// The schema and its fields.
pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let id = b.add_u64_field("id", INDEXED | FAST);
    let grams = b.add_u64_field("grams", INDEXED);
    let number = b.add_u64_field("number", INDEXED);
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let subject = b.add_text_field("subject", words.clone());
    let body = b.add_text_field("body", words.clone());
    let people = b.add_text_field("people", words);
    (
        b.build(),
        Fields {
            id,
            grams,
            number,
            subject,
            body,
            people,
        },
    )
}

/// The fields of an opened index (`None`: not this schema).
pub fn fields(schema: &Schema) -> Option<Fields> {
    Some(Fields {
        id: schema.get_field("id").ok()?,
        grams: schema.get_field("grams").ok()?,
        number: schema.get_field("number").ok()?,
        subject: schema.get_field("subject").ok()?,
        body: schema.get_field("body").ok()?,
        people: schema.get_field("people").ok()?,
    })
}

/// The word analyser of the index.
pub fn analyzer() -> TextAnalyzer {
    analyzer_for(Mode::Index)
}

/// The word analyser of a query: the index's, with bigrams only for CJK and Thai runs.
pub fn query_analyzer() -> TextAnalyzer {
    analyzer_for(Mode::Query)
}

fn analyzer_for(mode: Mode) -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::new(mode))
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Registers the analyser on an opened or created index.
pub fn register(index: &Index) {
    index.tokenizers().register(ANALYZER, analyzer());
}
