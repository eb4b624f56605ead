// Draws the ```mermaid blocks of the book (the step graphs that `runbook docs` writes).
// mdBook turns them into <pre><code class="language-mermaid">; this swaps each for a
// <pre class="mermaid"> with the same text and lets mermaid.min.js draw it (Mermaid 10.9.8,
// MIT licence, copied from `dist/` of the npm package `mermaid`). Dark mdBook themes get
// Mermaid's dark theme; switching between a light and a dark theme reloads to redraw.
(function () {
    "use strict";
    var darkThemes = ["ayu", "navy", "coal"];
    function isDark() {
        var classes = document.documentElement.classList;
        return darkThemes.some(function (theme) { return classes.contains(theme); });
    }
    var dark = isDark();
    var nodes = [];
    document.querySelectorAll("code.language-mermaid").forEach(function (code) {
        var pre = document.createElement("pre");
        pre.className = "mermaid";
        pre.textContent = code.textContent;
        var parent = code.parentElement;
        (parent && parent.tagName === "PRE" ? parent : code).replaceWith(pre);
        nodes.push(pre);
    });
    if (nodes.length === 0 || typeof mermaid === "undefined") {
        return;
    }
    mermaid.initialize({ startOnLoad: false, theme: dark ? "dark" : "default", securityLevel: "strict" });
    mermaid.run({ nodes: nodes });
    document.querySelectorAll("button.theme").forEach(function (button) {
        button.addEventListener("click", function () {
            // book.js switches the theme class in its own handler; look once it has.
            setTimeout(function () {
                if (isDark() !== dark) {
                    window.location.reload();
                }
            }, 0);
        });
    });
})();
