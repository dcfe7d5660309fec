using System.Globalization;

namespace WalSync.Configuration;

/// <summary>Durations as people read them in messages: <c>0.6 s</c>, <c>30 s</c>, <c>2 min</c>, <c>1.5 h</c>.</summary>
public static class Durations
{
    /// <summary>The duration in seconds below two minutes (one decimal below 10 s, three below 0.1 s), else in minutes or hours.</summary>
    public static string Format(TimeSpan duration) => duration.TotalSeconds switch
    {
        < 0.1 => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.###} s"),
        < 10 => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.#} s"),
        < 120 => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0} s"),
        < 7200 => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMinutes:0.#} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalHours:0.#} h"),
    };
}
