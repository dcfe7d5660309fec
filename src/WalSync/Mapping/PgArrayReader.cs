namespace WalSync.Mapping;

/// <summary>
/// Reads the elements of a 1-D array in PostgreSQL's text form: <c>{1,2,NULL}</c>, <c>{a,"b c","d\"e",""}</c>,
/// <c>[0:1]={5,6}</c>. An element is quoted when it is empty, is <c>NULL</c> as text, or holds braces, the delimiter,
/// quotes, backslashes or white space; inside quotes <c>"</c> and <c>\</c> are escaped with a backslash.
/// </summary>
/// <remarks>https://www.postgresql.org/docs/15/arrays.html#ARRAYS-IO</remarks>
internal ref struct PgArrayReader
{
    private readonly ReadOnlySpan<byte> _text;
    private readonly byte _delimiter;
    private int _position;
    private bool _started;
    private bool _done;

    private PgArrayReader(ReadOnlySpan<byte> text, byte delimiter, int position)
    {
        _text = text;
        _delimiter = delimiter;
        _position = position;
    }

    /// <summary>Starts reading <paramref name="text"/>; fails for a multi-dimensional array or text that is not an array.</summary>
    public static ValueError Open(ReadOnlySpan<byte> text, byte delimiter, out PgArrayReader reader)
    {
        reader = default;
        var i = 0;
        var dimensions = 0;
        // Explicit bounds ("[0:1]={5,6}") are written only when a lower bound is not 1: one bracket pair per dimension.
        while (i < text.Length && text[i] == (byte)'[')
        {
            var close = text[i..].IndexOf((byte)']');
            if (close < 0)
            {
                return ValueError.Malformed;
            }
            i += close + 1;
            dimensions++;
        }
        if (dimensions > 0 && (i >= text.Length || text[i++] != (byte)'='))
        {
            return ValueError.Malformed;
        }
        if (i >= text.Length - 1 || text[i] != (byte)'{')
        {
            return ValueError.Malformed;
        }
        if (dimensions > 1 || text[i + 1] == (byte)'{')
        {
            return ValueError.MultiDimensional;
        }
        reader = new PgArrayReader(text, delimiter, i + 1);
        return ValueError.None;
    }

    /// <summary>Reads the next element into <paramref name="raw"/> (without quotes, escapes left in for <see cref="PgArrayToken.EscapedValue"/>).</summary>
    public PgArrayToken Next(out ReadOnlySpan<byte> raw)
    {
        raw = default;
        if (_done)
        {
            return PgArrayToken.End;
        }
        if (!_started)
        {
            _started = true;
            if (_text[_position] == (byte)'}')
            {
                return Finish(PgArrayToken.End);
            }
        }
        PgArrayToken token;
        if (_text[_position] == (byte)'"')
        {
            var start = ++_position;
            token = PgArrayToken.Value;
            while (true)
            {
                var next = _position < _text.Length ? _text[_position..].IndexOfAny((byte)'"', (byte)'\\') : -1;
                if (next < 0)
                {
                    return PgArrayToken.Malformed;
                }
                _position += next;
                if (_text[_position] == (byte)'"')
                {
                    break;
                }
                // A backslash escapes the byte after it.
                token = PgArrayToken.EscapedValue;
                _position += 2;
            }
            raw = _text[start.._position++];
        }
        else
        {
            var length = _text[_position..].IndexOfAny(_delimiter, (byte)'}');
            if (length <= 0)
            {
                return PgArrayToken.Malformed;
            }
            raw = _text.Slice(_position, length);
            _position += length;
            token = raw.SequenceEqual("NULL"u8) ? PgArrayToken.Null : PgArrayToken.Value;
        }
        if (_position < _text.Length && _text[_position] == _delimiter)
        {
            _position++;
            return _position < _text.Length ? token : PgArrayToken.Malformed;
        }
        return _position < _text.Length && _text[_position] == (byte)'}' ? Finish(token) : PgArrayToken.Malformed;
    }

    /// <summary>Copies <paramref name="raw"/> into <paramref name="destination"/> without its backslash escapes; returns the length written.</summary>
    /// <param name="raw">An element read as <see cref="PgArrayToken.EscapedValue"/>.</param>
    /// <param name="destination">At least <c>raw.Length</c> bytes.</param>
    public static int Unescape(ReadOnlySpan<byte> raw, Span<byte> destination)
    {
        var written = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == (byte)'\\' && i + 1 < raw.Length)
            {
                i++;
            }
            destination[written++] = raw[i];
        }
        return written;
    }

    // The closing brace must end the text.
    private PgArrayToken Finish(PgArrayToken token)
    {
        _done = true;
        _position++;
        return _position == _text.Length ? token : PgArrayToken.Malformed;
    }
}
