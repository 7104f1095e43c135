import sqlite3, time, glob
path = open(glob.glob('/tmp/ticketdesk-bench-search-10000-*/built')[0]).read()
c = sqlite3.connect(path)
q = '"veldorzu"'
M = "WITH m AS MATERIALIZED (SELECT rowid AS doc_id, bm25(search_index, 10.0, 4.0, 0.0) AS main, bm25(search_index, 0.0, 0.0, 1.0) AS side FROM search_index WHERE search_index MATCH ?) "
for sql in [M+"SELECT * FROM m",
            M+"SELECT m.main, d.doc_id FROM m JOIN search_docs d ON d.doc_id = m.doc_id WHERE m.main < 0 AND d.kind='ticket'",
            M+"SELECT m.main, d.doc_id FROM m CROSS JOIN search_docs d ON d.doc_id = m.doc_id WHERE m.main < 0 AND d.kind='ticket' ORDER BY 1 LIMIT 51",
            "SELECT m.main, d.doc_id FROM (SELECT rowid AS doc_id, bm25(search_index, 10.0, 4.0, 0.0) AS main FROM search_index WHERE search_index MATCH ?) m CROSS JOIN search_docs d ON d.doc_id = m.doc_id WHERE m.main < 0 AND d.kind='ticket' ORDER BY 1 LIMIT 51",
            ]:
    for _ in range(3):
        t=time.perf_counter(); n=len(c.execute(sql,(q,)).fetchall()); dt=(time.perf_counter()-t)*1000
    print(n, f"{dt:.2f} ms", sql[-120:])
