/* kume-rules.js: the answer rules of a Kume survey, without the page.
 *
 * The same rules as the collector: reading a posted form (src/collect/form_data.rs), which
 * questions are hidden and what calculated questions give, and every error and warning
 * (src/survey/evaluate.rs), with the same problem codes. tests/validation-vectors.json holds
 * the cases both must pass (`node tests/tools/validation-vectors.mjs` here, `cargo test --lib
 * validation_vectors` in Rust); change both sides together.
 *
 * Loading: a classic script after kume-expr.js. In a browser,
 *   <script src="/js/kume-rules.js"></script>   defines globalThis.KumeRules;
 * in Node, require('./kume-rules.js') returns the same object.
 *
 * API:
 *   KumeRules.parseNumber(text, lang)     a number as typed on a page in `lang` (`1.234,5` in
 *                                         Turkish, `1,234.5` in English), or null.
 *   KumeRules.readForm(survey, fields, lang)
 *                                         posted fields ({name: [values]}) → {answers, problems}:
 *                                         the answers keyed as expressions see them, and the
 *                                         problems of their shape (a code ticked twice, …).
 *   KumeRules.evaluate(survey, answers)   → {hidden, values, errors, warnings, itemHidden}:
 *                                         `hidden` an object id → true; `errors` and `warnings`
 *                                         objects field → [{code, params, message}], the field
 *                                         being a question id or `repeat[n].inner`.
 * `survey` is the compiled survey of schema.json (`{sections, lists}` are all it reads).
 */
(function (root) {
  'use strict';

  const KumeExpr = root.KumeExpr || (typeof require === 'function' ? require('./kume-expr.js') : null);

  const own = (o, k) => o !== null && typeof o === 'object' && Object.prototype.hasOwnProperty.call(o, k);
  const get = (o, k) => (own(o, k) ? o[k] : undefined);

  // Rust's white space (char::is_whitespace, str::trim): JavaScript's \s differs (U+FEFF, U+0085).
  const SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
  const HAS_SPACE = new RegExp('[' + SPACE + ']');
  const ALL_SPACE = new RegExp('[' + SPACE + ']', 'g');
  const EDGE_SPACE = new RegExp('^[' + SPACE + ']+|[' + SPACE + ']+$', 'g');
  const trim = (s) => s.replace(EDGE_SPACE, '');

  const NUMBER = { integer: 1, decimal: 1, percent: 1, year: 1 };
  const TEXT = { text: 1, textarea: 1, email: 1, phone: 1, url: 1 };
  const DEFAULT_MAX_ITEMS = 50;

  // ---- values ---------------------------------------------------------------------------
  // A JSON answer as the expression language sees it: empty text and empty lists are blank;
  // a list holds texts (a repeat's entries, which are objects, only count).
  function toValue(v) {
    if (v === null || v === undefined) return null;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : null;
    if (typeof v === 'string') return trim(v) === '' ? null : v;
    if (Array.isArray(v)) return v.length ? v.map((i) => (typeof i === 'string' ? i : JSON.stringify(i))) : null;
    return null;
  }
  const isBlank = (v) => v === null || v === undefined;
  function sameValue(a, b) {
    if (Array.isArray(a) || Array.isArray(b)) {
      return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]);
    }
    return a === b;
  }
  function sameMap(a, b) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => own(b, k) && sameValue(a[k], b[k]));
  }
  const base = (id) => id.split('.')[0];
  const truthy = (e, read) => KumeExpr.isTruthy(KumeExpr.evaluate(e, read));

  // ---- reading a posted form (src/collect/form_data.rs) ----------------------------------
  function groupShaped(t, group) {
    const at = t.indexOf(group);
    if (at < 0) return false;
    const rest = t.slice(at + 1);
    return at > 0 && /^[0-9]{3}$/.test(rest);
  }
  function parseNumber(text, lang) {
    const t = trim(String(text)).replace(ALL_SPACE, '');
    if (t === '') return null;
    const group = lang === 'tr' ? '.' : ',';
    const point = lang === 'tr' ? ',' : '.';
    const both = t.includes(point) || t.split(group).length > 2 || groupShaped(t, group);
    const normalized = both ? t.split(group).join('').split(point).join('.') : t.split(point).join('.');
    const valid = normalized.charAt(0) === '-' ? normalized.slice(1) : normalized;
    if (valid === '' || !/^[0-9.]*$/.test(valid) || valid.split('.').length > 2 || valid === '.') return null;
    // Too many digits give Infinity, as in Rust, which the answer then reads as blank.
    const n = Number(normalized);
    return Number.isNaN(n) ? null : n;
  }
  function maxItems(survey, q) {
    if (q.type === 'repeat') return q.max_count === undefined || q.max_count === null ? DEFAULT_MAX_ITEMS : q.max_count;
    const list = q.list ? get(survey.lists || {}, q.list) : undefined;
    return list ? list.length : DEFAULT_MAX_ITEMS;
  }
  function first(fields, name) {
    const v = get(fields, name);
    const s = Array.isArray(v) ? v[0] : undefined;
    return typeof s === 'string' && trim(s) !== '' ? s : null;
  }
  function scalar(type, text, lang) {
    if (NUMBER[type]) {
      const n = parseNumber(text, lang);
      return n === null ? text : n; // unreadable numbers stay text: "enter a number"
    }
    if (type === 'consent') return text === 'yes';
    return trim(text);
  }
  function addProblem(problems, field, code) {
    (problems[field] = problems[field] || []).push({ code: code, params: {} });
  }
  function readAnswer(survey, q, name, fields, lang, out, problems) {
    const t = q.type;
    if (t === 'note' || t === 'calculated') return;
    if (t === 'select_many') {
      const picks = (get(fields, name) || []).filter((v) => v !== '');
      if (new Set(picks).size < picks.length) addProblem(problems, name, 'duplicate');
      else if (picks.length > maxItems(survey, q)) addProblem(problems, name, 'too_many');
      else if (picks.length) out[q.id] = picks.slice();
      const other = first(fields, name + '.other');
      if (other !== null) out[q.id + '.other'] = other;
    } else if (t === 'likert') {
      (q.rows || []).forEach((r) => {
        const v = first(fields, name + '.' + r.id);
        if (v !== null) out[q.id + '.' + r.id] = v;
      });
    } else if (t === 'grid') {
      (q.rows || []).forEach((r) => (q.columns || []).forEach((c) => {
        const v = first(fields, name + '.' + r.id + '.' + c.id);
        if (v !== null) out[q.id + '.' + r.id + '.' + c.id] = scalar('decimal', v, lang);
      }));
    } else if (t === 'repeat') {
      const items = [];
      for (let i = 0; i < maxItems(survey, q); i++) {
        const item = {};
        (q.questions || []).forEach((inner) => readAnswer(survey, inner, name + '[' + i + '].' + inner.id, fields, lang, item, problems));
        if (Object.keys(item).length) items.push(item);
      }
      if (items.length) out[q.id] = items;
    } else {
      const v = first(fields, name);
      if (v !== null) out[q.id] = scalar(t, v, lang);
      const other = first(fields, name + '.other');
      if (other !== null) out[q.id + '.other'] = other;
    }
  }
  // The text of "other" where "other" was not chosen is dropped, at every depth
  // (src/collect/shape.rs, drop_unchosen_other).
  function dropUnchosenOther(survey, questions, answers) {
    questions.forEach((q) => {
      if (q.type === 'select_one' || q.type === 'select_many') {
        const key = q.id + '.other';
        const others = ((q.list && get(survey.lists || {}, q.list)) || []).filter((c) => c.other).map((c) => c.code);
        const a = get(answers, q.id);
        const chose = typeof a === 'string' ? others.includes(a)
          : Array.isArray(a) ? a.some((c) => typeof c === 'string' && others.includes(c)) : false;
        if (own(answers, key) && !chose) delete answers[key];
      } else if (q.type === 'repeat' && Array.isArray(get(answers, q.id))) {
        answers[q.id].forEach((item) => {
          if (item && typeof item === 'object' && !Array.isArray(item)) dropUnchosenOther(survey, q.questions || [], item);
        });
      }
    });
  }
  function readForm(survey, fields, lang) {
    const answers = {};
    const problems = {};
    const top = [];
    survey.sections.forEach((s) => s.questions.forEach((q) => top.push(q)));
    top.forEach((q) => readAnswer(survey, q, q.id, fields, lang, answers, problems));
    if (!Object.keys(problems).length) dropUnchosenOther(survey, top, answers);
    return { answers: answers, problems: problems };
  }

  // ---- visibility and calculated values --------------------------------------------------
  function allQuestions(survey) {
    const out = [];
    const walk = (qs) => qs.forEach((q) => { out.push(q); walk(q.questions || []); });
    survey.sections.forEach((s) => walk(s.questions));
    return out;
  }
  function lookup(name, values, hidden) {
    if (hidden[base(name)]) return null;
    const v = get(values, name);
    return v === undefined ? null : v;
  }
  // One pass; questions not reached yet keep the visibility of the last pass.
  function settle(survey, values, previous) {
    const hidden = Object.assign(Object.create(null), previous);
    const calculated = Object.create(null);
    const read = (name) => lookup(name, values, hidden);
    const visit = (q, parentShown) => {
      const shown = parentShown && (!q.show_if || truthy(q.show_if, read));
      if (!shown) hidden[q.id] = true;
      else {
        delete hidden[q.id];
        if (q.calc) calculated[q.id] = KumeExpr.evaluate(q.calc, read);
      }
      (q.questions || []).forEach((inner) => visit(inner, shown));
    };
    survey.sections.forEach((s) => {
      const shown = !s.show_if || truthy(s.show_if, read);
      s.questions.forEach((q) => visit(q, shown));
    });
    return { hidden: hidden, calculated: calculated };
  }

  // ---- the rules (src/survey/evaluate.rs) ------------------------------------------------
  function problem(code, params) { return { code: code, params: params || {} }; }
  function findings() { return { errors: Object.create(null), warnings: Object.create(null) }; }
  function report(map, id, p) { (map[id] = map[id] || []).push(p); }

  // What an expression sees: inside a repeat entry, that entry's answers first.
  function scope(values, hidden, item) {
    const s = {
      get: (name) => {
        if (item) {
          if (item.hidden[base(name)]) return null;
          if (own(item.values, name)) return item.values[name];
        }
        return lookup(name, values, hidden);
      },
    };
    s.truth = (e) => truthy(e, s.get);
    return s;
  }

  function cellIds(q) {
    if (q.type === 'likert') return (q.rows || []).map((r) => q.id + '.' + r.id);
    if (q.type === 'grid') {
      const out = [];
      (q.rows || []).forEach((r) => (q.columns || []).forEach((c) => out.push(q.id + '.' + r.id + '.' + c.id)));
      return out;
    }
    return [];
  }
  const limit = (v) => (typeof v === 'number' ? v : null);

  function checkNumber(q, v, out) {
    if (isBlank(v)) return;
    if (typeof v !== 'number') return report(out.errors, q.id, problem('number'));
    if ((q.type === 'integer' || q.type === 'year') && v % 1 !== 0) report(out.errors, q.id, problem('integer'));
    let min = limit(q.min);
    let max = limit(q.max);
    if (q.type === 'percent') {
      if (min === null) min = 0;
      if (max === null) max = 100;
    }
    if (min !== null && v < min) report(out.errors, q.id, problem('min', { min: min }));
    if (max !== null && v > max) report(out.errors, q.id, problem('max', { max: max }));
  }

  // `local@domain.tld`: one @, a dot inside the domain, no white space nor U+FEFF.
  function isEmail(s) {
    const at = s.indexOf('@');
    if (at < 0) return false;
    const local = s.slice(0, at);
    const domain = s.slice(at + 1);
    return local !== '' && !domain.includes('@') && domain.includes('.') && domain.charAt(0) !== '.'
      && domain.charAt(domain.length - 1) !== '.' && !HAS_SPACE.test(s) && !s.includes('\ufeff');
  }
  // 7 to 15 digits, with spaces, +, -, ( and ) between them.
  function isPhone(s) {
    const digits = (s.match(/[0-9]/g) || []).length;
    return digits >= 7 && digits <= 15 && /^[0-9 +\-()]*$/.test(s);
  }
  const patterns = Object.create(null);
  function matchesPattern(pattern, s) {
    if (!(pattern in patterns)) {
      try { patterns[pattern] = new RegExp('^(?:' + pattern + ')$', 'u'); } catch (e) { patterns[pattern] = null; }
    }
    return patterns[pattern] === null || patterns[pattern].test(s);
  }
  function checkText(q, v, out) {
    if (isBlank(v)) return;
    if (typeof v !== 'string') return report(out.errors, q.id, problem('text'));
    const len = Array.from(v).length;
    if (typeof q.min_length === 'number' && len < q.min_length) report(out.errors, q.id, problem('min_length', { min: q.min_length }));
    if (typeof q.max_length === 'number' && len > q.max_length) report(out.errors, q.id, problem('max_length', { max: q.max_length }));
    if (q.pattern && !matchesPattern(q.pattern, v)) report(out.errors, q.id, problem('pattern'));
    const wellFormed = q.type === 'email' ? isEmail(v)
      : q.type === 'url' ? v.startsWith('https://') || v.startsWith('http://')
        : q.type === 'phone' ? isPhone(v) : true;
    if (!wellFormed) report(out.errors, q.id, problem(q.type));
  }

  // A day written YYYY-MM-DD, the only form a date answer takes.
  function isIsoDate(s) {
    const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(s);
    if (!m) return false;
    const year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    if (month < 1 || month > 12) return false;
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
    return day >= 1 && day <= days;
  }
  function checkDate(q, v, out) {
    if (isBlank(v)) return;
    if (typeof v !== 'string' || !isIsoDate(v)) return report(out.errors, q.id, problem('date'));
    if (typeof q.min === 'string' && v < q.min) report(out.errors, q.id, problem('min', { min: q.min }));
    if (typeof q.max === 'string' && v > q.max) report(out.errors, q.id, problem('max', { max: q.max }));
  }

  // The choices a question offers given the answers so far (its `filter`).
  function offered(survey, q, answer) {
    const list = (q.list && get(survey.lists || {}, q.list)) || [];
    return list.filter((c) => !q.filter || truthy(q.filter, (name) => {
      if (name === 'choice.code') return c.code;
      if (name.indexOf('choice.') === 0) {
        const a = get(c.attrs || {}, name.slice(7));
        return a === undefined ? null : a;
      }
      return answer(name);
    }));
  }
  function checkChoiceCodes(survey, q, id, v, sc, out) {
    if (isBlank(v)) return;
    let codes;
    if (typeof v === 'string') codes = [v];
    else if (Array.isArray(v)) codes = v;
    else return report(out.errors, id, problem('choice'));
    const choices = offered(survey, q, sc.get);
    codes.forEach((code) => {
      if (!choices.some((c) => c.code === code)) report(out.errors, id, problem('choice', { code: code }));
    });
  }
  function checkChoices(survey, q, v, sc, out) {
    checkChoiceCodes(survey, q, q.id, v, sc, out);
    let picks;
    if (Array.isArray(v)) picks = v;
    else if (typeof v === 'string') picks = [v];
    else return;
    if (q.type === 'select_many') {
      if (typeof q.min_picks === 'number' && picks.length < q.min_picks) report(out.errors, q.id, problem('min_picks', { min: q.min_picks }));
      if (typeof q.max_picks === 'number' && picks.length > q.max_picks) report(out.errors, q.id, problem('max_picks', { max: q.max_picks }));
    }
    ((q.list && get(survey.lists || {}, q.list)) || []).forEach((c) => {
      if (c.exclusive && picks.length > 1 && picks.includes(c.code)) report(out.errors, q.id, problem('exclusive', { code: c.code }));
      if (c.other && picks.includes(c.code) && isBlank(sc.get(q.id + '.other'))) report(out.errors, q.id, problem('other_required'));
    });
  }
  function checkRepeat(q, sc, out) {
    const v = sc.get(q.id);
    const n = Array.isArray(v) ? v.length : 0;
    if (typeof q.min_count === 'number' && n < q.min_count) report(out.errors, q.id, problem('min_count', { min: q.min_count }));
    if (typeof q.max_count === 'number' && n > q.max_count) report(out.errors, q.id, problem('max_count', { max: q.max_count }));
  }
  // A check runs once every answer it reads is given; a blank one is `required`'s business.
  function runCheck(q, check, sc, out) {
    if (KumeExpr.refs(check.assert).some((r) => isBlank(sc.get(r)))) return;
    if (sc.truth(check.assert)) return;
    const p = { code: 'check', params: {}, message: check.message };
    report(check.level === 'warning' ? out.warnings : out.errors, q.id, p);
  }

  function isRequired(q, sc) {
    const r = q.required;
    if (r === 'always') return true;
    if (r && typeof r === 'object' && r.when) return sc.truth(r.when);
    return false;
  }
  function validate(survey, q, sc, out) {
    const cells = cellIds(q);
    const answered = cells.length ? cells.every((c) => !isBlank(sc.get(c))) : !isBlank(sc.get(q.id));
    if (!answered && q.type !== 'note' && q.type !== 'calculated') {
      if (isRequired(q, sc)) report(out.errors, q.id, problem('required'));
      else if (q.soft_required) report(out.warnings, q.id, problem('recommended'));
    }
    const v = sc.get(q.id);
    const t = q.type;
    if (NUMBER[t]) checkNumber(q, v, out);
    else if (TEXT[t]) checkText(q, v, out);
    else if (t === 'date') checkDate(q, v, out);
    else if (t === 'select_one' || t === 'select_many') checkChoices(survey, q, v, sc, out);
    else if (t === 'likert') cells.forEach((c) => checkChoiceCodes(survey, q, q.id, sc.get(c), sc, out));
    else if (t === 'grid') {
      cells.forEach((c) => {
        const cell = sc.get(c);
        if (!isBlank(cell) && typeof cell !== 'number') report(out.errors, q.id, problem('number', { cell: c }));
      });
    } else if (t === 'consent' && !isBlank(v) && v !== true) report(out.errors, q.id, problem('consent'));
    else if (t === 'repeat') checkRepeat(q, sc, out);
    (q.checks || []).forEach((c) => runCheck(q, c, sc, out));
  }

  // Each entry of a repeat is checked like a small form, its problems reported as
  // `repeat[n].inner`. Returns, per entry, the inner questions it hides.
  function validateItems(survey, repeat, items, values, hidden, out) {
    if (!Array.isArray(items)) return [];
    return items.map((item, i) => {
      const itemValues = Object.create(null);
      if (item && typeof item === 'object' && !Array.isArray(item)) {
        Object.keys(item).forEach((k) => { itemValues[k] = toValue(item[k]); });
      }
      const entry = { values: itemValues, hidden: Object.create(null) };
      const sc = scope(values, hidden, entry);
      (repeat.questions || []).forEach((inner) => {
        if (inner.show_if && !sc.truth(inner.show_if)) entry.hidden[inner.id] = true;
      });
      const sub = findings();
      (repeat.questions || []).filter((inner) => !entry.hidden[inner.id]).forEach((inner) => validate(survey, inner, sc, sub));
      ['errors', 'warnings'].forEach((kind) => Object.keys(sub[kind]).forEach((id) => {
        const key = repeat.id + '[' + i + '].' + id;
        out[kind][key] = (out[kind][key] || []).concat(sub[kind][id]);
      }));
      return entry.hidden;
    });
  }

  function evaluate(survey, answers) {
    const given = Object.create(null);
    Object.keys(answers || {}).forEach((k) => { given[k] = toValue(answers[k]); });
    const count = allQuestions(survey).length;
    let values = Object.assign(Object.create(null), given);
    let hidden = Object.create(null);
    for (let pass = 0; pass <= count; pass++) {
      const next = settle(survey, values, hidden);
      const nextValues = Object.assign(Object.create(null), given, next.calculated);
      const changed = !sameMap(next.hidden, hidden) || !sameMap(nextValues, values);
      hidden = next.hidden;
      values = nextValues;
      if (!changed) break;
    }
    Object.keys(values).forEach((k) => { if (hidden[base(k)]) delete values[k]; });
    const out = findings();
    const itemHidden = Object.create(null);
    const sc = scope(values, hidden, null);
    survey.sections.forEach((s) => s.questions.forEach((q) => {
      if (hidden[q.id]) return;
      validate(survey, q, sc, out);
      if (q.type === 'repeat') itemHidden[q.id] = validateItems(survey, q, get(answers || {}, q.id), values, hidden, out);
    }));
    return { hidden: hidden, values: values, errors: out.errors, warnings: out.warnings, itemHidden: itemHidden, lookup: sc.get };
  }

  const api = { parseNumber, readForm, evaluate, offered: (survey, q, answer) => offered(survey, q, answer) };
  if (typeof module === 'object' && module.exports) module.exports = api;
  root.KumeRules = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
