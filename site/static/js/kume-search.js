// Kume search: loads the page language's index (built by `kume build`, see src/site/search.rs)
// and shows the pages containing every query word. Words are folded the same way as at build
// time, so Turkish letters are optional, and each query word matches as the start of a word,
// which also finds Turkish words with suffixes. A large index keeps its words in one file per
// first letter (`parts`): a query loads only the files its words need.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  if (!form) return;
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var lang = document.documentElement.lang || "tr";
  var index = null;
  var loading = null;
  var parts = {};
  var MAX_RESULTS = 50;

  // The same folding as `search::fold` in Rust: language-aware lower case, then plain letters
  // from the index's `fold` table, which the build writes from Rust's one table
  // (`text::PLAIN_LETTERS`), so the two sides never differ. Queries run once the index is in.
  function fold(word) {
    var plain = (index && index.fold) || {};
    var lower = lang === "tr"
      ? word.replace(/I/g, "ı").replace(/İ/g, "i").toLowerCase()
      : word.toLowerCase();
    var out = "";
    for (var i = 0; i < lower.length; i++) {
      var c = lower.charAt(i);
      var code = c.charCodeAt(0);
      if (code >= 0x300 && code <= 0x36f) continue;
      out += plain[c] || c;
    }
    return out;
  }

  // Inflected query words ("kümelenmenin", "programmes") also look for their stem as a
  // prefix, weighted lower than the word itself: the index keeps words whole, so any suffix
  // the text uses is still found.
  var SUFFIXES = {
    tr: ["lerin", "larin", "leri", "lari", "nin", "nun", "den", "dan", "ten", "tan", "ler", "lar",
      "yle", "yla", "in", "un", "de", "da", "te", "ta", "si", "su", "ye", "ya", "yi", "yu", "le",
      "la", "i", "u", "e", "a"],
    en: ["ing", "es", "ed", "s"]
  };
  var MIN_STEM = 4;
  function stem(word) {
    var list = SUFFIXES[lang] || [];
    for (var round = 0; round < 2; round++) {
      var cut = list.find(function (s) {
        return word.length - s.length >= MIN_STEM && word.slice(-s.length) === s;
      });
      if (!cut) break;
      word = word.slice(0, -cut.length);
    }
    return word;
  }

  function queryWords(q) {
    return q.split(/[^\p{L}\p{N}\u0307]+/u)
      .filter(function (w) { return w.length > 1; })
      .map(fold);
  }

  function load() {
    if (!loading) {
      status.textContent = form.dataset.loading;
      loading = fetch(form.dataset.index)
        .then(function (r) {
          if (!r.ok) throw new Error(r.status);
          return r.json();
        })
        .then(function (json) { index = json; return json; });
    }
    return loading;
  }

  function firstLetter(word) {
    return String.fromCodePoint(word.codePointAt(0));
  }

  // The parts holding the query's words, fetched once each; a word's stem starts with the
  // same letter.
  function loadParts(q) {
    if (!index.parts) return Promise.resolve();
    return Promise.all(queryWords(q).map(function (w) {
      var letter = firstLetter(w);
      var file = index.parts[letter];
      if (!file) return null;
      if (!parts[letter]) {
        parts[letter] = fetch(new URL(file, new URL(form.dataset.index, window.location.href)))
          .then(function (r) {
            if (!r.ok) throw new Error(r.status);
            return r.json();
          })
          .then(function (json) { parts[letter] = json.words; return json.words; },
            function (e) { delete parts[letter]; throw e; });
      }
      return parts[letter];
    }));
  }

  // The sorted word list a prefix's words are in.
  function wordList(prefix) {
    if (!index.parts) return index.words;
    var words = parts[firstLetter(prefix)];
    return Array.isArray(words) ? words : [];
  }

  // Every (doc → weight) for indexed words starting with `prefix`; the word list is sorted,
  // so the first candidate is found by binary search.
  function matches(word) {
    var found = postings(word, 1);
    var root = stem(word);
    if (root !== word) {
      postings(root, 0.1).forEach(function (score, doc) {
        found.set(doc, (found.get(doc) || 0) + score);
      });
    }
    return found;
  }

  function postings(prefix, factor) {
    var words = wordList(prefix);
    var lo = 0, hi = words.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (words[mid][0] < prefix) lo = mid + 1; else hi = mid;
    }
    var found = new Map();
    var n = index.docs.length;
    for (var i = lo; i < words.length && words[i][0].lastIndexOf(prefix, 0) === 0; i++) {
      var list = words[i][1];
      var exact = words[i][0] === prefix ? 1 : 0.6;
      var idf = Math.log(1 + n / (list.length / 2));
      for (var j = 0; j < list.length; j += 2) {
        var score = list[j + 1] * exact * idf * factor;
        found.set(list[j], Math.max(found.get(list[j]) || 0, score));
      }
    }
    return found;
  }

  function search(q) {
    var words = queryWords(q);
    if (!words.length) return null;
    var total = null;
    words.forEach(function (w) {
      var hits = matches(w);
      if (total === null) { total = hits; return; }
      var next = new Map();
      total.forEach(function (score, doc) {
        if (hits.has(doc)) next.set(doc, score + hits.get(doc));
      });
      total = next;
    });
    return Array.from(total.entries())
      .sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; })
      .map(function (e) { return index.docs[e[0]]; });
  }

  function show(q) {
    var results = search(q);
    list.textContent = "";
    if (results === null) {
      status.textContent = "";
      list.hidden = true;
      return;
    }
    status.textContent = results.length
      ? form.dataset.count.replace("{n}", results.length.toLocaleString(lang))
      : form.dataset.none;
    results.slice(0, MAX_RESULTS).forEach(function (doc) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = doc.u;
      a.textContent = doc.t || doc.u;
      li.appendChild(a);
      var url = document.createElement("span");
      url.className = "url";
      url.textContent = doc.u;
      li.appendChild(url);
      if (doc.e) {
        var p = document.createElement("p");
        p.textContent = doc.e;
        li.appendChild(p);
      }
      list.appendChild(li);
    });
    list.hidden = results.length === 0;
  }

  // A slower, older query must not replace the results of the one typed after it.
  var latest = 0;
  function run(q, push) {
    var ticket = ++latest;
    load().then(function () { return loadParts(q); }).then(function () {
      if (ticket !== latest) return;
      show(q);
      if (push) {
        var url = new URL(window.location.href);
        if (q) url.searchParams.set("q", q); else url.searchParams.delete("q");
        history.replaceState(null, "", url);
      }
    }, function () {
      status.textContent = form.dataset.failed;
    });
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { run(input.value, true); }, 150);
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    run(input.value, true);
  });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) {
    input.value = initial;
    run(initial, false);
  }
})();
