"""PDF work at the edges: checking uploads, stamping copies, writing annotations (pypdf, fpdf2).

Everything that parses an untrusted PDF runs in a child process with memory and time limits
(`runner.run_pdf_worker`), so a hostile file cannot exhaust or hang a server process, and CPU-heavy
work never stalls the live session's event loop.
"""
