//! The in-memory search index: tantivy for BM25 over analysed terms, plus
//! the vocabulary that query repair needs (known stems, surface words for
//! typo repair) and the articles themselves for snippets and departments.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::analysis::{self, is_content_word, stem, terms};
use crate::focus;
use crate::layout::{self, Script};
use crate::snippet::Sentences;
use crate::synonyms::Synonyms;
use crate::{ArticleDoc, Hit, SearchError};

/// Field weights: a word in the title or the tags says what the article is
/// about; the same word in the body may be a passing mention.
const TITLE_BOOST: f32 = 3.0;
const TAGS_BOOST: f32 = 2.0;
/// An alternative question says what the article answers, as the title does.
const QUESTIONS_BOOST: f32 = TITLE_BOOST;
const SECTION_BOOST: f32 = 1.0;
const BODY_BOOST: f32 = 1.0;

/// Query-term weights by where the term came from: a typo repair may guess
/// wrong, and a synonym is related but not the customer's own word.
const CORRECTED_WEIGHT: f32 = 0.8;
const SYNONYM_WEIGHT: f32 = 0.6;
/// A stem of the index that differs from the query word's by a short
/// ending: most often the same word in another part of speech («подключить»
/// → «подключ», «подключение» → «подключен»), which neither the stemmer nor
/// the lemma joins. Only for a query stem the index knows (or a repair).
const RELATED_WEIGHT: f32 = 0.7;
/// How many letters the two stems may differ by, at the end only.
const RELATED_EXTRA_CHARS: usize = 2;
/// Stems shorter than this join too many unrelated words.
const RELATED_MIN_CHARS: usize = 4;

/// A negated word («не дошёл») found negated in an article, on top of the
/// word itself.
const NEGATION_WEIGHT: f32 = 1.0;

/// Articles of the chat's department get their score multiplied by this:
/// enough to win a near tie, never enough to bury a clearly better article
/// from another department.
const DEPARTMENT_BOOST: f32 = 1.3;

/// A long story is read up to this many words (and whitespace-separated
/// chunks); the question is rarely further in, and the cost of a query
/// stays bounded.
const MAX_QUERY_WORDS: usize = 120;

/// What a hit's score keeps when it covers none of the question's weight
/// (see `ranked`); it keeps all of it when it covers the whole question.
const COVERAGE_FLOOR: f32 = 0.5;

/// Results past the first few are re-ranked by department from a pool this big.
const MIN_CANDIDATES: usize = 30;

/// `search` returns at most this many hits, whatever the caller asks.
const MAX_RESULTS: usize = 100;

/// `suggest` offers at most this many articles.
const MAX_SUGGESTIONS: usize = 3;

/// The abstention threshold of `suggest`, compared with
/// [`Confidence::value`]: (mass + title-and-tags mass) × √coverage.
///
/// Chosen on the evaluation set (`crates/hotline-bench/data/kb-eval.toml`,
/// 203 in-scope and 25 out-of-scope questions over the 70 demo articles)
/// with `hotline-bench kb-quality --calibrate`, which sweeps the threshold
/// for balanced accuracy (mean of "in-scope answered with a right article"
/// and "out-of-scope abstained"). Its optimum, [1.157, 1.160), is a sliver
/// made by one question; 1.1 is instead the middle of the interval around it
/// that no out-of-scope question falls in, (1.017, 1.155): 0.01 lower
/// balanced accuracy in-sample, less fitted to one question. The values
/// scale with the idf normalisation, not with the index size.
/// docs/search-quality.md has the numbers.
pub const SUGGEST_MIN_CONFIDENCE: f32 = 1.1;

/// Below this share of the best hit's score, a second or third suggestion is
/// noise next to the first.
const SUGGEST_RELATIVE_SCORE: f32 = 0.5;

const TERMS_TOKENIZER: &str = "hotline_terms";
/// A fast field with the article's key in `State::ids_by_key`: cheaper to
/// read for the top hits than a stored id.
const KEY_FIELD: &str = "key";

struct Fields {
    id: Field,
    key: Field,
    title: Field,
    tags: Field,
    questions: Field,
    section: Field,
    body: Field,
}

struct Entry {
    doc: ArticleDoc,
    key: u64,
    stems: HashSet<String>,
    /// Stems of the title, tags and section: what the article is about.
    head_stems: HashSet<String>,
    sentences: Sentences,
    words: HashSet<String>,
}

#[derive(Default)]
struct State {
    entries: HashMap<String, Entry>,
    ids_by_key: HashMap<u64, String>,
    next_key: u64,
    /// Ordered, so that the stems a query stem begins (see `related`) are
    /// one range away.
    stem_df: BTreeMap<String, u32>,
    lexicon: crate::fuzzy::Lexicon,
    /// Alternative questions by article id (see `set_questions`); kept
    /// when the article is replaced or the index rebuilt.
    questions: HashMap<String, Vec<String>>,
}

/// One query word with what it may stand for.
#[derive(Debug, Default)]
struct Concept {
    /// (stem, weight): the word's own stem, or its repair.
    stems: Vec<(String, f32)>,
    /// What the word weighs in the message: less in the story around a
    /// question (see [`focus`]).
    weight: f32,
}

#[derive(Debug, Default)]
struct Plan {
    concepts: Vec<Concept>,
    /// stem → (weight, concepts it satisfies)
    terms: HashMap<String, (f32, Vec<usize>)>,
}

/// A help-center search index. Cheap to share (`Send + Sync`); writes are
/// serialised and visible to the next search as soon as they return.
pub struct SearchIndex {
    /// Kept for the life of the reader and writer made from it.
    _index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    synonyms: Synonyms,
    synonym_stems: HashSet<String>,
    state: RwLock<State>,
}

fn text_field(schema: &mut tantivy::schema::SchemaBuilder, name: &str) -> Field {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(TERMS_TOKENIZER)
        .set_index_option(IndexRecordOption::WithFreqs);
    schema.add_text_field(name, TextOptions::default().set_indexing_options(indexing))
}

fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// BM25's idf, divided by the largest idf possible in an index of `docs`
/// articles, so that confidence reads the same for 60 articles or 10 000.
fn normalised_idf(df: u32, docs: usize) -> f32 {
    let n = docs.max(1) as f32;
    let idf = |df: f32| (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
    idf(df as f32) / idf(1.0)
}

impl SearchIndex {
    pub fn new(synonyms: Synonyms) -> Result<Self, SearchError> {
        // The dictionary takes a few milliseconds to load and check: the
        // first customer should not wait for it.
        analysis::warm_up();
        let mut builder = Schema::builder();
        let fields = Fields {
            id: builder.add_text_field("id", STRING),
            key: builder.add_u64_field(KEY_FIELD, FAST),
            title: text_field(&mut builder, "title"),
            tags: text_field(&mut builder, "tags"),
            questions: text_field(&mut builder, "questions"),
            section: text_field(&mut builder, "section"),
            body: text_field(&mut builder, "body"),
        };
        let index = Index::create_in_ram(builder.build());
        index.tokenizers().register(
            TERMS_TOKENIZER,
            TextAnalyzer::from(WhitespaceTokenizer::default()),
        );
        // One indexing thread: the machine is shared with the server, and
        // 10 000 short articles index in a few seconds on one core.
        let writer = index.writer_with_num_threads(1, 50_000_000)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let synonym_stems = synonyms.stems();
        let index = SearchIndex {
            _index: index,
            reader,
            writer: Mutex::new(writer),
            fields,
            synonyms,
            synonym_stems,
            state: RwLock::new(State::default()),
        };
        *write(&index.state) = index.empty_state();
        Ok(index)
    }

    fn empty_state(&self) -> State {
        let mut state = State::default();
        for word in self.synonyms.words() {
            state.lexicon.add(word);
        }
        state
    }

    /// How many articles are indexed.
    pub fn len(&self) -> usize {
        read(&self.state).entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Replaces the whole index with `articles`.
    pub fn rebuild<'a>(
        &self,
        articles: impl IntoIterator<Item = &'a ArticleDoc>,
    ) -> Result<(), SearchError> {
        let mut writer = lock(&self.writer);
        let mut state = self.empty_state();
        state.questions = read(&self.state).questions.clone();
        let staged = (|| -> tantivy::Result<()> {
            writer.delete_all_documents()?;
            for article in articles {
                if state.entries.contains_key(&article.id) {
                    writer.delete_term(Term::from_field_text(self.fields.id, &article.id));
                    remove_entry(&mut state, &article.id);
                }
                let key = add_entry(&mut state, article);
                writer.add_document(self.document(article, key, &state))?;
            }
            Ok(())
        })();
        let mut guard = write(&self.state);
        self.publish(&mut writer, staged)?;
        *guard = state;
        Ok(())
    }

    /// Adds or replaces one article.
    pub fn upsert(&self, article: &ArticleDoc) -> Result<(), SearchError> {
        let mut writer = lock(&self.writer);
        let mut state = write(&self.state);
        writer.delete_term(Term::from_field_text(self.fields.id, &article.id));
        let key = state.next_key;
        let staged = writer
            .add_document(self.document(article, key, &state))
            .map(drop);
        self.publish(&mut writer, staged)?;
        remove_entry(&mut state, &article.id);
        add_entry(&mut state, article);
        Ok(())
    }

    /// Sets the alternative questions of article `id`: phrasings customers
    /// used that an administrator promoted to the article. They are
    /// searched like the title and count as what the article is about.
    /// They belong to the id, not to one version of the article: they stay
    /// when the article is replaced, removed and added again, or the index
    /// rebuilt, until set again (empty to forget them). At most 50
    /// questions, blank ones skipped; an unknown id is not an error (its
    /// questions apply once the article is added).
    pub fn set_questions(&self, id: &str, questions: &[String]) -> Result<(), SearchError> {
        const MAX_QUESTIONS: usize = 50;
        let questions: Vec<String> = questions
            .iter()
            .map(|q| q.trim())
            .filter(|q| !q.is_empty())
            .take(MAX_QUESTIONS)
            .map(str::to_owned)
            .collect();
        let mut writer = lock(&self.writer);
        let mut state = write(&self.state);
        let article = state.entries.get(id).map(|e| e.doc.clone());
        let previous = if questions.is_empty() {
            state.questions.remove(id)
        } else {
            state.questions.insert(id.to_owned(), questions)
        };
        let Some(article) = article else {
            return Ok(());
        };
        writer.delete_term(Term::from_field_text(self.fields.id, id));
        let key = state.next_key;
        let staged = writer
            .add_document(self.document(&article, key, &state))
            .map(drop);
        if let Err(e) = self.publish(&mut writer, staged) {
            // The index still has the article with its old questions.
            match previous {
                Some(old) => state.questions.insert(id.to_owned(), old),
                None => state.questions.remove(id),
            };
            return Err(e);
        }
        remove_entry(&mut state, id);
        add_entry(&mut state, &article);
        Ok(())
    }

    /// Removes one article; removing an unknown id is not an error.
    pub fn remove(&self, id: &str) -> Result<(), SearchError> {
        let mut writer = lock(&self.writer);
        let mut state = write(&self.state);
        writer.delete_term(Term::from_field_text(self.fields.id, id));
        self.publish(&mut writer, Ok(()))?;
        remove_entry(&mut state, id);
        Ok(())
    }

    /// Commits what was staged and makes it searchable; if staging or the
    /// commit failed, rolls the writer back so that the failed change does
    /// not ride along with the next commit. Called with the state lock held,
    /// so searches see the index and the state change together.
    fn publish(
        &self,
        writer: &mut IndexWriter,
        staged: tantivy::Result<()>,
    ) -> Result<(), SearchError> {
        match staged.and_then(|()| writer.commit().map(drop)) {
            Ok(()) => Ok(self.reader.reload()?),
            Err(e) => {
                writer.rollback()?;
                Err(e.into())
            }
        }
    }

    fn document(&self, article: &ArticleDoc, key: u64, state: &State) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &article.id);
        let indexed = |text: &str| analysis::index_terms(text).join(" ");
        doc.add_text(f.title, indexed(&article.title));
        doc.add_text(f.tags, indexed(&article.tags.join(" ")));
        if let Some(questions) = state.questions.get(&article.id) {
            doc.add_text(f.questions, indexed(&questions.join("\n")));
        }
        doc.add_text(f.section, indexed(&article.section));
        doc.add_text(f.body, indexed(&article.body));
        doc.add_u64(f.key, key);
        doc
    }

    /// Ranked articles for the help center's search box. `department`
    /// boosts that department's articles without hiding the others; at
    /// most 100 hits, whatever `limit` says.
    pub fn search(
        &self,
        query: &str,
        department: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        Ok(self
            .ranked(query, department, limit)?
            .into_iter()
            .map(|r| r.hit)
            .collect())
    }

    /// What the bot would offer: at most three articles, and none when the
    /// best one does not answer the question well (see
    /// [`SUGGEST_MIN_CONFIDENCE`]).
    pub fn suggest(&self, query: &str, department: Option<&str>) -> Result<Vec<Hit>, SearchError> {
        Ok(self
            .candidates(query, department)?
            .into_iter()
            .filter(|r| r.confidence.value >= SUGGEST_MIN_CONFIDENCE)
            .map(|r| r.hit)
            .collect())
    }

    /// The best confidence among the articles `suggest` would consider, so
    /// that `suggest` is empty exactly when this is below
    /// [`SUGGEST_MIN_CONFIDENCE`] (or `None`: nothing matches at all). For
    /// calibration and diagnostics.
    pub fn confidence(
        &self,
        query: &str,
        department: Option<&str>,
    ) -> Result<Option<Confidence>, SearchError> {
        Ok(self
            .candidates(query, department)?
            .into_iter()
            .map(|r| r.confidence)
            .max_by(|a, b| a.value.total_cmp(&b.value)))
    }

    /// The first [`MAX_SUGGESTIONS`] hits, less those far behind the first.
    fn candidates(
        &self,
        query: &str,
        department: Option<&str>,
    ) -> Result<Vec<Ranked>, SearchError> {
        let ranked = self.ranked(query, department, MAX_SUGGESTIONS)?;
        let Some(best_score) = ranked.first().map(|r| r.hit.score) else {
            return Ok(Vec::new());
        };
        Ok(ranked
            .into_iter()
            .filter(|r| r.hit.score >= best_score * SUGGEST_RELATIVE_SCORE)
            .collect())
    }

    fn ranked(
        &self,
        query: &str,
        department: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Ranked>, SearchError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let limit = limit.min(MAX_RESULTS);
        let state = read(&self.state);
        let plan = self.plan(&state, query);
        if plan.terms.is_empty() {
            return Ok(Vec::new());
        }
        let f = &self.fields;
        let mut fields = vec![
            (f.title, TITLE_BOOST),
            (f.tags, TAGS_BOOST),
            (f.section, SECTION_BOOST),
            (f.body, BODY_BOOST),
        ];
        // No clauses for a field no article has.
        if !state.questions.is_empty() {
            fields.push((f.questions, QUESTIONS_BOOST));
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // Terms no article has cannot match: they stay in the plan (they
        // count for confidence) but cost no posting-list lookups.
        for (term, (weight, _)) in plan
            .terms
            .iter()
            .filter(|(t, _)| state.stem_df.contains_key(*t))
        {
            for &(field, boost) in &fields {
                let query = TermQuery::new(
                    Term::from_field_text(field, term),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(query), weight * boost)),
                ));
            }
        }
        let searcher = self.reader.searcher();
        let pool = (limit * 3).max(MIN_CANDIDATES);
        let top = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(pool).order_by_score(),
        )?;
        let mut columns = HashMap::new();
        let mut hits: Vec<(f32, &Entry)> = Vec::with_capacity(top.len());
        for (score, address) in top {
            let column = match columns.entry(address.segment_ord) {
                std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => v.insert(
                    searcher
                        .segment_reader(address.segment_ord)
                        .fast_fields()
                        .u64(KEY_FIELD)?,
                ),
            };
            let Some(entry) = column
                .first(address.doc_id)
                .and_then(|key| state.ids_by_key.get(&key))
                .and_then(|id| state.entries.get(id))
            else {
                continue;
            };
            let boost = if department == Some(entry.doc.department.as_str()) {
                DEPARTMENT_BOOST
            } else {
                1.0
            };
            hits.push((score * boost, entry));
        }
        let docs = state.entries.len();
        // Looked up once per query: confidence asks for every term of every
        // candidate.
        let idfs: HashMap<&str, f32> = plan
            .terms
            .keys()
            .filter_map(|t| Some((t.as_str(), normalised_idf(*state.stem_df.get(t)?, docs))))
            .collect();
        let idf = |stem: &str| idfs.get(stem).copied();
        // BM25 adds up what each word finds, so an article that says one
        // query word often can beat one that answers the whole question:
        // weigh the score by the share of the question the article covers.
        let mut hits: Vec<(f32, &Entry, Confidence)> = hits
            .into_iter()
            .map(|(score, entry)| {
                let confidence = confidence(&plan, entry, &idf);
                let coord = COVERAGE_FLOOR + (1.0 - COVERAGE_FLOOR) * confidence.coverage;
                (score * coord, entry, confidence)
            })
            .collect();
        hits.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| a.1.doc.id.cmp(&b.1.doc.id))
        });
        hits.truncate(limit);

        let weights: HashMap<String, f32> = plan
            .terms
            .iter()
            .filter_map(|(term, (weight, _))| Some((term.clone(), idf(term)? * weight)))
            .collect();
        Ok(hits
            .into_iter()
            .map(|(score, entry, confidence)| Ranked {
                confidence,
                hit: Hit {
                    id: entry.doc.id.clone(),
                    title: entry.doc.title.clone(),
                    department: entry.doc.department.clone(),
                    section: entry.doc.section.clone(),
                    snippet: entry.sentences.snippet(&weights),
                    score,
                },
            })
            .collect())
    }

    fn known(&self, state: &State, stem: &str) -> bool {
        state.stem_df.contains_key(stem) || self.synonym_stems.contains(stem)
    }

    /// Reads a customer's text into weighted terms: layout repaired chunk by
    /// chunk, typos repaired word by word, synonyms added.
    fn plan(&self, state: &State, query: &str) -> Plan {
        let weighted = focus::weighted_chunks(query, MAX_QUERY_WORDS);
        let chunks: Vec<&str> = weighted.iter().map(|(chunk, _)| *chunk).collect();
        let known_words = |text: &str| {
            analysis::words(text)
                .iter()
                .filter(|w| is_content_word(w) && self.known(state, &stem(w)))
                .count()
        };
        // A chunk is read on the other layout when more of its words are
        // known that way; once one chunk is, Latin chunks that mean nothing
        // as they are (short words like «rfr» = «как») follow it.
        let mut switched: Vec<Option<String>> = chunks
            .iter()
            .map(|chunk| {
                if layout::script(chunk) == Script::Other {
                    return None;
                }
                let other = layout::switch(chunk);
                (known_words(&other) > known_words(chunk)).then_some(other)
            })
            .collect();
        let any_latin_switched = chunks
            .iter()
            .zip(&switched)
            .any(|(c, s)| s.is_some() && layout::script(c) == Script::Latin);
        if any_latin_switched {
            for (chunk, switch) in chunks.iter().zip(switched.iter_mut()) {
                if switch.is_none()
                    && layout::script(chunk) == Script::Latin
                    && known_words(chunk) == 0
                {
                    *switch = Some(layout::switch(chunk));
                }
            }
        }

        let mut plan = Plan::default();
        let mut sequence: Vec<Option<String>> = Vec::new();
        // Negated words of the query: (term, weight); they rank, they do
        // not count for confidence (see `analysis::negations_of`).
        let mut negations: Vec<(String, f32)> = Vec::new();
        let mut negate = false;
        for ((chunk, switch), (_, weight)) in chunks.iter().zip(&switched).zip(&weighted) {
            let text = switch.as_deref().unwrap_or(chunk);
            for word in analysis::words(text) {
                if word == analysis::NEGATION {
                    negate = true;
                    continue;
                }
                if std::mem::take(&mut negate) && word.chars().count() >= 2 {
                    // A typo is repaired before it is negated; a known
                    // word needs no lookup.
                    let repaired = if self.known(state, &stem(&word)) {
                        None
                    } else {
                        state.lexicon.correct(&word)
                    };
                    let repaired = repaired.map_or_else(|| word.clone(), str::to_owned);
                    negations.push((analysis::negated(&repaired), *weight));
                }
                if !is_content_word(&word) {
                    continue;
                }
                if plan.concepts.len() >= MAX_QUERY_WORDS {
                    break;
                }
                let own = stem(&word);
                let mut stems = if self.known(state, &own) {
                    vec![(own, 1.0)]
                } else if let Some(fixed) = (!analysis::is_dictionary_word(&word))
                    .then(|| state.lexicon.correct(&word))
                    .flatten()
                {
                    vec![(stem(fixed), CORRECTED_WEIGHT)]
                } else {
                    Vec::new()
                };
                if let Some((base, weight)) = stems.first().cloned() {
                    for other in related(state, &base) {
                        stems.push((other, weight * RELATED_WEIGHT));
                    }
                }
                let concept = Concept {
                    stems,
                    weight: *weight,
                };
                sequence.push(concept.stems.first().map(|(s, _)| s.clone()));
                plan.concepts.push(concept);
            }
        }
        for (position, concept) in plan.concepts.iter().enumerate() {
            for (stem, weight) in &concept.stems {
                add_term(
                    &mut plan.terms,
                    stem,
                    weight * concept.weight,
                    position..position + 1,
                );
            }
        }
        for (term, weight) in &negations {
            add_term(&mut plan.terms, term, NEGATION_WEIGHT * weight, 0..0);
        }
        for expansion in self.synonyms.expand(&sequence) {
            let weight = plan
                .concepts
                .get(expansion.covers.clone())
                .into_iter()
                .flatten()
                .map(|c| c.weight)
                .fold(0.0, f32::max);
            for stem in &expansion.terms {
                add_term(
                    &mut plan.terms,
                    stem,
                    SYNONYM_WEIGHT * weight,
                    expansion.covers.clone(),
                );
            }
        }
        plan
    }
}

/// Index stems that `stem` begins or that begin it, with at most
/// [`RELATED_EXTRA_CHARS`] letters more at the end; Cyrillic stems only.
fn related(state: &State, stem: &str) -> Vec<String> {
    let chars = stem.chars().count();
    if chars < RELATED_MIN_CHARS || !stem.chars().all(layout::is_cyrillic) {
        return Vec::new();
    }
    let mut out: Vec<String> = state
        .stem_df
        .range::<str, _>((std::ops::Bound::Excluded(stem), std::ops::Bound::Unbounded))
        .map(|(other, _)| other)
        .take_while(|other| other.starts_with(stem))
        .filter(|other| other.chars().count() <= chars + RELATED_EXTRA_CHARS)
        .cloned()
        .collect();
    let mut shorter = stem.to_owned();
    for _ in 0..RELATED_EXTRA_CHARS {
        shorter.pop();
        if shorter.chars().count() < RELATED_MIN_CHARS {
            break;
        }
        if state.stem_df.contains_key(&shorter) {
            out.push(shorter.clone());
        }
    }
    out
}

struct Ranked {
    hit: Hit,
    confidence: Confidence,
}

/// How well the best article answers a query (see `suggest`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Confidence {
    /// Sum of the normalised idf of the query words the article answers.
    pub mass: f32,
    /// The part of `mass` found in the title, tags or section.
    pub head_mass: f32,
    /// `mass` over the weight of all the query words, 0..=1.
    pub coverage: f32,
    /// What `suggest` compares with [`SUGGEST_MIN_CONFIDENCE`].
    pub value: f32,
}

fn add_term(
    terms: &mut HashMap<String, (f32, Vec<usize>)>,
    stem: &str,
    weight: f32,
    covers: std::ops::Range<usize>,
) {
    let slot = terms.entry(stem.to_owned()).or_insert((0.0, Vec::new()));
    slot.0 = slot.0.max(weight);
    for position in covers {
        if !slot.1.contains(&position) {
            slot.1.push(position);
        }
    }
}

/// How well `entry` answers the query: every query word weighs its
/// normalised idf (through the best of its own stem, repair or synonyms that
/// the index knows; a word the index knows nothing about weighs the most, 1,
/// since the question may well be about it). `mass` sums the weights of the
/// words the article answers, `coverage` divides that by the weight of all
/// the words.
fn confidence(plan: &Plan, entry: &Entry, idf: &impl Fn(&str) -> Option<f32>) -> Confidence {
    let concepts = plan.concepts.len();
    // What each word weighs: its own (or repaired) stem when the index has
    // it, else the best of its synonyms the index has, else 1.
    let mut own = vec![None::<f32>; concepts];
    for (position, concept) in plan.concepts.iter().enumerate() {
        own[position] = concept
            .stems
            .iter()
            .filter_map(|(s, _)| idf(s))
            .reduce(f32::max);
    }
    let mut via_synonyms = vec![None::<f32>; concepts];
    let mut matched = vec![0.0f32; concepts];
    let mut matched_head = vec![0.0f32; concepts];
    for (term, (_, covers)) in &plan.terms {
        let Some(weight) = idf(term) else { continue };
        let in_article = entry.stems.contains(term);
        let in_head = in_article && entry.head_stems.contains(term);
        for &position in covers {
            let slot = &mut via_synonyms[position];
            *slot = Some(slot.map_or(weight, |w| w.max(weight)));
            if in_article {
                matched[position] = matched[position].max(weight);
            }
            if in_head {
                matched_head[position] = matched_head[position].max(weight);
            }
        }
    }
    let mut mass = 0.0;
    let mut head_mass = 0.0;
    let mut all = 0.0;
    for (position, concept) in plan.concepts.iter().enumerate() {
        let weight = own[position].or(via_synonyms[position]).unwrap_or(1.0);
        all += weight * concept.weight;
        mass += matched[position].min(weight) * concept.weight;
        head_mass += matched_head[position].min(weight) * concept.weight;
    }
    let coverage = if all > 0.0 { mass / all } else { 0.0 };
    Confidence {
        mass,
        head_mass,
        coverage,
        value: combine(mass, head_mass, coverage),
    }
}

fn combine(mass: f32, head_mass: f32, coverage: f32) -> f32 {
    (mass + head_mass) * coverage.sqrt()
}

fn add_entry(state: &mut State, article: &ArticleDoc) -> u64 {
    let key = state.next_key;
    state.next_key += 1;
    let questions = state
        .questions
        .get(&article.id)
        .map(|q| q.join("\n"))
        .unwrap_or_default();
    let text = format!(
        "{}\n{}\n{}\n{}\n{questions}",
        article.title,
        article.tags.join(" "),
        article.section,
        article.body
    );
    let all_words = analysis::words(&text);
    // Negated terms count in the document frequencies (the query may look
    // them up) but stand for no query word, so confidence ignores them.
    let negations = analysis::negations_of(&all_words);
    let words: HashSet<String> = all_words
        .into_iter()
        .filter(|w| is_content_word(w))
        .collect();
    let stems: HashSet<String> = words.iter().map(|w| stem(w)).chain(negations).collect();
    let head_stems: HashSet<String> = terms(&format!(
        "{}\n{}\n{}\n{questions}",
        article.title,
        article.tags.join(" "),
        article.section
    ))
    .into_iter()
    .collect();
    for stem in &stems {
        *state.stem_df.entry(stem.clone()).or_default() += 1;
    }
    for word in &words {
        state.lexicon.add(word);
    }
    state.ids_by_key.insert(key, article.id.clone());
    state.entries.insert(
        article.id.clone(),
        Entry {
            doc: article.clone(),
            key,
            stems,
            head_stems,
            sentences: Sentences::of(&article.body),
            words,
        },
    );
    key
}

fn remove_entry(state: &mut State, id: &str) {
    let Some(entry) = state.entries.remove(id) else {
        return;
    };
    state.ids_by_key.remove(&entry.key);
    for stem in &entry.stems {
        if let Some(df) = state.stem_df.get_mut(stem) {
            *df -= 1;
            if *df == 0 {
                state.stem_df.remove(stem);
            }
        }
    }
    for word in &entry.words {
        state.lexicon.remove(word);
    }
}
