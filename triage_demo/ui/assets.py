"""The page's CSS and its one piece of JavaScript (keyboard shortcuts), passed to `launch()` (Gradio 6)."""

from __future__ import annotations

CSS = """
.disclaimer { border-left: 4px solid #c62828; background: #fff4f4; color: #5f1111; padding: 8px 12px;
  border-radius: 4px; font-size: 0.95em; }
.esi-card { display: flex; flex-direction: column; align-items: flex-start; gap: 6px; }
.esi-badge { min-width: 9rem; padding: 12px 20px; border-radius: 12px; font-weight: 700; font-size: 2.2rem;
  line-height: 1.1; text-align: center; box-shadow: 0 1px 3px rgba(0,0,0,.25); }
.esi-badge .esi-name { font-size: 0.9rem; font-weight: 600; opacity: 0.95; }
.esi-badge span, .esi-badge div { color: inherit !important; }
.esi-badge.esi-none { background: #e0e0e0; color: #424242; font-size: 1.2rem; }
.esi-meta { color: #555; font-size: 0.85rem; }
.esi-error { color: #b71c1c; font-size: 0.9rem; white-space: pre-wrap; }
.safety { padding: 10px 14px; border-radius: 8px; }
.safety ul { margin: 6px 0 0 18px; }
.safety-ok { background: #eef7ee; border: 1px solid #2e7d32; color: #1b5e20; }
.safety-warn { background: #fdecea; border: 2px solid #c62828; color: #7f0000; font-size: 1.05rem; }
.safety-pending { background: #f5f5f5; color: #616161; }
.notice { padding: 8px 12px; border-radius: 6px; }
.notice-error { background: #fdecea; color: #7f0000; border: 1px solid #e57373; }
.notice-info { background: #e8f1fb; color: #0d3c61; border: 1px solid #64b5f6; }
.notice-ok { background: #eef7ee; color: #1b5e20; border: 1px solid #81c784; }
"""

#: Ctrl/Cmd+Enter runs triage from anywhere on the Triage tab; keys 1-5 pick the expert's level on the
#: Label tab when the focus is not in a text field. Gradio runs this function once the page has loaded.
JS = """
() => {
  document.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
      const btn = document.getElementById('triage-btn');
      if (btn && btn.offsetParent !== null) { e.preventDefault(); btn.click(); }
      return;
    }
    const t = e.target;
    const typing = t && (t.tagName === 'TEXTAREA' || t.tagName === 'INPUT' && t.type === 'text' || t.isContentEditable);
    if (typing || e.ctrlKey || e.metaKey || e.altKey || !['1','2','3','4','5'].includes(e.key)) return;
    const group = document.getElementById('expert-esi');
    if (!group || group.offsetParent === null) return;
    const inputs = group.querySelectorAll('input[type=radio]');
    const input = inputs[Number(e.key) - 1];
    if (input && !input.disabled) { e.preventDefault(); input.click(); }
  });
}
"""
