// The query pages' SPARQL editor and sortable results, on top of the plain form.
//
// The page works without this script: a textarea, a submit button, a server-rendered
// table. With it, the textarea becomes a CodeMirror 6 editor (SPARQL highlighting,
// completion of the dataset's prefixes and of SPARQL keywords, the error the server found
// marked at its line and column), the canned queries can be picked as examples, and the
// results table sorts by any column. Everything the editor needs comes from the page
// itself (a JSON data block), so it works offline and under a policy of script-src 'self'.
//
// CodeMirror writes its styles at run time; into a document they would go as a <style>
// element, which the policy (style-src 'self', no 'unsafe-inline') refuses. In a shadow
// root they go into a constructed style sheet (adoptedStyleSheets), which no policy
// governs: so the editor lives in one.

import { autocompletion } from "@codemirror/autocomplete";
import { StreamLanguage } from "@codemirror/language";
import { sparql } from "@codemirror/legacy-modes/mode/sparql";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
import { EditorView, keymap } from "@codemirror/view";
import { basicSetup } from "codemirror";

const KEYWORDS = [
  "SELECT", "DISTINCT", "REDUCED", "CONSTRUCT", "DESCRIBE", "ASK", "WHERE", "FROM", "NAMED",
  "OPTIONAL", "UNION", "MINUS", "FILTER", "BIND", "VALUES", "GRAPH", "SERVICE", "EXISTS",
  "NOT EXISTS", "GROUP BY", "HAVING", "ORDER BY", "ASC", "DESC", "LIMIT", "OFFSET", "AS",
  "PREFIX", "BASE", "COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT", "LANG",
  "LANGMATCHES", "STR", "STRSTARTS", "CONTAINS", "REGEX", "LCASE", "UCASE", "BOUND", "IF",
  "COALESCE", "isIRI", "isLiteral", "DATATYPE",
];

/** The page's data block: the dataset's prefixes and the canned queries. */
function pageData() {
  const block = document.getElementById("editor-data");
  return block ? JSON.parse(block.textContent) : { prefixes: {}, examples: [] };
}

/** Completions: "name: <namespace>" after PREFIX; elsewhere prefixes (declared on the
 * way if missing) and SPARQL keywords. */
function completionSource(prefixes) {
  const entries = Object.entries(prefixes).sort(([a], [b]) => a.localeCompare(b));
  return (context) => {
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    const declaring = /^\s*PREFIX\s+([\w-]*)$/i.exec(before);
    if (declaring) {
      return {
        from: context.pos - declaring[1].length,
        options: entries.map(([name, namespace]) => ({
          label: `${name}: <${namespace}>`,
          type: "namespace",
        })),
      };
    }
    const word = context.matchBefore(/[A-Za-z_][\w-]*/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    const declared = new Set(
      [...context.state.doc.toString().matchAll(/PREFIX\s+([\w-]*):/gi)].map((m) => m[1]),
    );
    const prefixOptions = entries.map(([name, namespace]) => ({
      label: `${name}:`,
      detail: namespace,
      type: "namespace",
      apply: (view, completion, from, to) => {
        const changes = [{ from, to, insert: completion.label }];
        if (!declared.has(name)) {
          changes.push({ from: 0, insert: `PREFIX ${name}: <${namespace}>\n` });
        }
        view.dispatch({ changes });
      },
    }));
    const keywordOptions = KEYWORDS.map((keyword) => ({ label: keyword, type: "keyword" }));
    return { from: word.from, options: [...prefixOptions, ...keywordOptions] };
  };
}

/** Mark the server's error (data-line, data-column on the alert) in the editor. */
function markError(view) {
  const alert = document.querySelector(".error[data-line]");
  if (!alert) return;
  const doc = view.state.doc;
  const lineNumber = Math.min(Math.max(Number(alert.dataset.line), 1), doc.lines);
  const line = doc.line(lineNumber);
  // A column past the end of the line (where the parser gave up) marks its last character.
  let from = line.from + Math.max(Number(alert.dataset.column || 1) - 1, 0);
  if (from >= line.to) from = Math.max(line.from, line.to - 1);
  const token = /^\S+/.exec(doc.sliceString(from, line.to));
  const to = Math.min(line.to, from + (token ? token[0].length : 1));
  view.dispatch(
    setDiagnostics(view.state, [
      { from, to, severity: "error", message: alert.textContent.trim() },
    ]),
  );
}

const THEME = EditorView.theme({
  "&": { minHeight: "12rem", border: "1px solid #d8dde3", backgroundColor: "#fff", fontSize: "15px" },
  "&.cm-focused": { outline: "2px solid #0b5cad" },
  ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", minHeight: "12rem" },
  ".cm-gutters": { backgroundColor: "#f4f6f8", color: "#5a6572" },
});

/** Replace the textarea by an editor that writes back into it when the form is sent. */
function startEditor(textarea, data) {
  const form = textarea.form;
  const submit = () => form.requestSubmit();
  const host = document.createElement("div");
  host.className = "editor";
  textarea.after(host);
  const root = host.attachShadow({ mode: "open" });
  const view = new EditorView({
    doc: textarea.value,
    root,
    parent: root,
    extensions: [
      THEME,
      basicSetup,
      StreamLanguage.define(sparql),
      autocompletion({ override: [completionSource(data.prefixes)] }),
      lintGutter(),
      keymap.of([{ key: "Mod-Enter", run: () => (submit(), true) }]),
      EditorView.contentAttributes.of({ "aria-label": "SPARQL query", "aria-multiline": "true" }),
      EditorView.lineWrapping,
    ],
  });
  textarea.hidden = true;
  form.addEventListener("submit", () => {
    textarea.value = view.state.doc.toString();
    // Long queries go in the body: a URL past a few KB is refused by some proxies.
    if (textarea.value.length > 4000) form.method = "post";
  });
  markError(view);
  return view;
}

/** The example picker: the canned queries, loaded into the editor when picked. */
function startExamples(view, examples) {
  const picker = document.getElementById("examples");
  if (!picker || !examples.length) return;
  const select = picker.querySelector("select");
  for (const example of examples) {
    select.append(new Option(example.title, example.name));
  }
  select.addEventListener("change", () => {
    const example = examples.find((e) => e.name === select.value);
    if (!example) return;
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: example.text } });
    view.focus();
  });
  picker.hidden = false;
}

/** Sort a results table by a column when its header is pressed (numbers as numbers). */
function sortable(table) {
  const body = table.tBodies[0];
  if (!body) return;
  const headers = [...table.tHead.rows[0].cells];
  const collator = new Intl.Collator(document.documentElement.lang || undefined, { numeric: true });
  headers.forEach((cell, index) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.textContent = cell.textContent;
    cell.replaceChildren(button);
    button.addEventListener("click", () => {
      const ascending = cell.getAttribute("aria-sort") !== "ascending";
      headers.forEach((other) => other.removeAttribute("aria-sort"));
      cell.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      // A literal sorts by its value, not by the datatype tag shown beside it.
      const key = (row) => {
        const cell = row.cells[index];
        return cell ? (cell.querySelector(".literal") || cell).textContent.trim() : "";
      };
      const rows = [...body.rows].sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        const numeric = x !== "" && y !== "" && !isNaN(x) && !isNaN(y);
        const order = numeric ? Number(x) - Number(y) : collator.compare(x, y);
        return ascending ? order : -order;
      });
      body.append(...rows);
    });
  });
}

const data = pageData();
const textarea = document.querySelector("form.query-form textarea[name=query]");
if (textarea) {
  const view = startEditor(textarea, data);
  startExamples(view, data.examples || []);
}
document.querySelectorAll("table.results-table").forEach(sortable);
