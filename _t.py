import sqlite3, time, glob
path = open(glob.glob('/tmp/ticketdesk-bench-search-10000-*/built')[0]).read()
c = sqlite3.connect(path)
q = '"veldorzu"'
for sql in ["SELECT rowid FROM search_index WHERE search_index MATCH ?",
            "SELECT rowid, bm25(search_index) FROM search_index WHERE search_index MATCH ?",
            "SELECT rowid, bm25(search_index, 10.0, 4.0, 0.0), bm25(search_index, 0.0,0.0,1.0) FROM search_index WHERE search_index MATCH ?",
            "SELECT rowid, rank FROM search_index WHERE search_index MATCH ? ORDER BY rank LIMIT 50",
            ]:
    for _ in range(3):
        t=time.perf_counter(); n=len(c.execute(sql,(q,)).fetchall()); dt=(time.perf_counter()-t)*1000
    print(n, f"{dt:.2f} ms", sql[:90])
print(c.execute("select count(*) from search_docs").fetchone(), c.execute("select * from search_index_config").fetchall() if False else '')
