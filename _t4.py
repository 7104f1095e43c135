import sqlite3, time, glob, sys
path = open(glob.glob(f'/tmp/ticketdesk-bench-search-{sys.argv[1]}-*/built')[0]).read()
c = sqlite3.connect(path)
for q in ['"printer"', '"pri"*', '"printer" AND "private"']:
  for sql in ["SELECT count(*) FROM search_index WHERE search_index MATCH ?",
            "SELECT rowid, rank FROM search_index WHERE search_index MATCH ? ORDER BY rank LIMIT 50",
            "SELECT rowid, bm25(search_index, 10.0, 4.0, 0.0), bm25(search_index, 0.0,0.0,1.0) AS s FROM search_index WHERE search_index MATCH ? ORDER BY s LIMIT 50",
            "SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT 50",
            ]:
    for _ in range(3):
        t=time.perf_counter(); r=c.execute(sql,(q,)).fetchall(); dt=(time.perf_counter()-t)*1000
    print(q, r[0] if 'count' in sql else len(r), f"{dt:.2f} ms", sql[:70])
