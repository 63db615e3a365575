//! The index's documents: one per ticket.
//!
//! * `id` (indexed, fast): the ticket id, to replace a ticket's document and to map hits to tickets;
//! * `subject_trigrams` (positions), `number`: the trigrams of the folded subject at their
//!   positions ([`super::fold`]) and the hash of the folded number, for `query`; an index without
//!   `subject_trigrams` is of an older format (answered through SQL until rebuilt);
//! * `created`, `updated` (fast): the ticket's dates as `YYYYMMDDhhmmss`, to page the matches
//!   of a `query` without filters in the index;
//! * `subject`, `body` (the text of every thread entry, titles included), `people` (the user's
//!   name and e-mail, the ticket number): words for `mode=fulltext`, analysed by [`ANALYZER`].

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};
use tantivy::Index;

/// Name of the text analyser: words, lower-cased, accents folded (`Müller` finds `muller`).
pub const ANALYZER: &str = "osticket_words";

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Ticket id.
    pub id: Field,
    /// Subject trigrams, with positions.
    pub grams: Field,
    /// Hash of the folded ticket number.
    pub number: Field,
    /// Creation date (`YYYYMMDDhhmmss`).
    pub created: Field,
    /// Last update (`YYYYMMDDhhmmss`).
    pub updated: Field,
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
    let grams = b.add_text_field(
        "subject_trigrams",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("raw")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        ),
    );
    let number = b.add_u64_field("number", INDEXED);
    let created = b.add_u64_field("created", FAST);
    let updated = b.add_u64_field("updated", FAST);
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
            created,
            updated,
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
        grams: schema.get_field("subject_trigrams").ok()?,
        number: schema.get_field("number").ok()?,
        created: schema.get_field("created").ok()?,
        updated: schema.get_field("updated").ok()?,
        subject: schema.get_field("subject").ok()?,
        body: schema.get_field("body").ok()?,
        people: schema.get_field("people").ok()?,
    })
}

/// The word analyser.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Registers the analyser on an opened or created index.
pub fn register(index: &Index) {
    index.tokenizers().register(ANALYZER, analyzer());
}
