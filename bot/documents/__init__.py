"""The two Word documents: the draft MOU (mou.py) and the discussion summary (summary.py), built
on the template's styles (templates/planner.docx, written through writer.py) from plain read
models, and written to the exports folder without personal details (exports.py)."""
