namespace WalSync.Mapping;

/// <summary>
/// Parses PostgreSQL's ISO text form of <c>timestamptz</c>, <c>timestamp</c> and <c>date</c> (DateStyle=ISO) into
/// Unix seconds, rounded down.
/// </summary>
/// <remarks>
/// Forms: <c>2024-03-05 13:15:16.123456+00</c>, offsets <c>+HH</c>, <c>+HH:MM</c>, <c>+HH:MM:SS</c>, years of five or
/// more digits, a <c> BC</c> suffix (1 BC is year 0), <c>infinity</c> and <c>-infinity</c>; a timestamp without an
/// offset is read as UTC. Rounding down needs no arithmetic on the fraction: the value is whole seconds plus a
/// fraction in [0, 1), so its floor is the whole seconds, before 1970 as well.
/// https://www.postgresql.org/docs/15/datatype-datetime.html#DATATYPE-DATETIME-OUTPUT
/// </remarks>
internal static class PgDateTimeText
{
    private const long SecondsPerDay = 86_400;

    // Years beyond nine digits cannot come from PostgreSQL (its dates end in 5874897) and could overflow below.
    private const int MaxYearDigits = 9;

    /// <summary>Parses a timestamp or date in <paramref name="text"/> into <paramref name="unixSeconds"/>.</summary>
    /// <returns><see cref="ValueError.None"/>, or why the text has no Unix time.</returns>
    public static ValueError TryParseUnixSeconds(ReadOnlySpan<byte> text, out long unixSeconds)
    {
        unixSeconds = 0;
        long year = 0;
        var i = 0;
        while (i < text.Length && (uint)(text[i] - '0') <= 9)
        {
            year = i < MaxYearDigits ? (year * 10) + (text[i] - '0') : year;
            i++;
        }
        if (i == 0)
        {
            return text.SequenceEqual("infinity"u8) ? ValueError.PositiveInfinity
                : text.SequenceEqual("-infinity"u8) ? ValueError.NegativeInfinity
                : ValueError.Malformed;
        }
        if (i > MaxYearDigits)
        {
            return ValueError.OutOfRange;
        }
        // After the year every part has two digits: -MM-DD[ HH:MM:SS[.f…][±HH[:MM[:SS]]]][ BC]
        if (i < 4 || year == 0 || text.Length < i + 6 || text[i] != (byte)'-' || text[i + 3] != (byte)'-')
        {
            return ValueError.Malformed;
        }
        var month = TwoDigits(text, i + 1);
        var day = TwoDigits(text, i + 4);
        i += 6;
        long seconds = 0;
        if (text.Length >= i + 9 && text[i] == (byte)' ' && text[i + 3] == (byte)':' && text[i + 6] == (byte)':')
        {
            var hour = TwoDigits(text, i + 1);
            var minute = TwoDigits(text, i + 4);
            var second = TwoDigits(text, i + 7);
            if (hour is < 0 or > 24 || minute is < 0 or > 59 || second is < 0 or > 60)
            {
                return ValueError.Malformed;
            }
            seconds = (hour * 3600) + (minute * 60) + second;
            i += 9;
            if (i < text.Length && text[i] == (byte)'.')
            {
                // The fraction does not change the floor (see remarks); it only has to be digits.
                var digits = text[(i + 1)..].IndexOfAnyExceptInRange((byte)'0', (byte)'9');
                digits = digits < 0 ? text.Length - i - 1 : digits;
                if (digits == 0)
                {
                    return ValueError.Malformed;
                }
                i += digits + 1;
            }
            if (i < text.Length && (text[i] == (byte)'+' || text[i] == (byte)'-'))
            {
                if (!TryReadOffset(text, ref i, out var offset))
                {
                    return ValueError.Malformed;
                }
                seconds -= offset;
            }
        }
        var beforeChrist = text.Length - i == 3 && text[i..].SequenceEqual(" BC"u8);
        if ((!beforeChrist && i != text.Length) || month is < 1 or > 12 || day is < 1 or > 31)
        {
            return ValueError.Malformed;
        }
        var astronomicalYear = beforeChrist ? 1 - year : year;
        unixSeconds = (DaysFromCivil(astronomicalYear, month, day) * SecondsPerDay) + seconds;
        return ValueError.None;
    }

    // ±HH, ±HH:MM or ±HH:MM:SS starting at text[i]: the offset east of UTC in seconds.
    private static bool TryReadOffset(ReadOnlySpan<byte> text, ref int i, out long offset)
    {
        var negative = text[i] == (byte)'-';
        var hours = TwoDigits(text, i + 1);
        offset = hours * 3600L;
        i += 3;
        // Minutes, then seconds, each when present.
        for (var unit = 60; unit >= 1 && hours >= 0 && i < text.Length && text[i] == (byte)':'; unit /= 60)
        {
            var part = TwoDigits(text, i + 1);
            hours = part is < 0 or > 59 ? -1 : hours;
            offset += part * unit;
            i += 3;
        }
        offset = negative ? -offset : offset;
        return hours >= 0;
    }

    // The two-digit number at text[at], or -1.
    private static int TwoDigits(ReadOnlySpan<byte> text, int at)
    {
        if (at + 1 >= text.Length)
        {
            return -1;
        }
        var tens = (uint)(text[at] - '0');
        var ones = (uint)(text[at + 1] - '0');
        return tens <= 9 && ones <= 9 ? (int)((tens * 10) + ones) : -1;
    }

    // Days since 1970-01-01 in the proleptic Gregorian calendar, which PostgreSQL uses for all dates
    // (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms", days_from_civil).
    private static long DaysFromCivil(long year, int month, int day)
    {
        year -= month <= 2 ? 1 : 0;
        var era = (year >= 0 ? year : year - 399) / 400;
        var yearOfEra = year - (era * 400);
        var dayOfYear = (((153 * (month + (month > 2 ? -3 : 9))) + 2) / 5) + day - 1;
        var dayOfEra = (yearOfEra * 365) + (yearOfEra / 4) - (yearOfEra / 100) + dayOfYear;
        return (era * 146_097) + dayOfEra - 719_468;
    }
}
