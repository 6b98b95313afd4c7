from textstats.cli import main


def test_cli_prints_counts(tmp_path, capsys):
    p = tmp_path / "note.txt"
    p.write_text("hello world\nhello\n", encoding="utf-8")
    assert main([str(p)]) == 0
    out = capsys.readouterr().out
    assert "2 lines, 3 words" in out
