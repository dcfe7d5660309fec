using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace WalSync.Configuration;

/// <summary>
/// Checks configuration keys against the options classes before binding, which would silently skip them: a key no
/// property takes (<c>Batch:MaxRowz</c>, <c>Tables:0:Colums</c>) and a single value where a list or a section is
/// expected (<c>"Nodes": "http://…"</c>). Problems name the key by its full path, never its value.
/// </summary>
internal static class ConfigurationShape
{
    /// <summary>One sentence per problem of <paramref name="configuration"/> for <paramref name="type"/>; empty when none.</summary>
    /// <param name="configuration">The keys to check.</param>
    /// <param name="type">The options class they bind to.</param>
    /// <param name="reportUnknown">Whether keys that no property takes are problems.</param>
    public static List<string> Problems(IConfiguration configuration, Type type, bool reportUnknown)
    {
        var problems = new List<string>();
        WalkObject(configuration.GetChildren(), type, reportUnknown, problems);
        return problems;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "The options classes are in WalSync.Core, which a trimmed or Native AOT publish roots whole (TrimmerRootAssembly in src/WalSync.Cli).")]
    private static void WalkObject(IEnumerable<IConfigurationSection> sections, Type type, bool reportUnknown, List<string> problems)
    {
        foreach (var section in sections)
        {
            // The binder matches names case-insensitively.
            var property = type.GetProperty(section.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is not null)
            {
                WalkValue(section, property.PropertyType, reportUnknown, problems);
            }
            else if (reportUnknown)
            {
                problems.Add($"{section.Path} is not a WalSync setting; fix its spelling or remove it.");
            }
        }
    }

    /// <summary>A value the binder could not convert, described with the form it takes. The value itself is not
    /// repeated: a secret pasted under the wrong key must not reach a log.</summary>
    private static string? ValueProblem(IConfigurationSection section, Type type)
    {
        var value = section.Value;
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        return type switch
        {
            _ when type == typeof(TimeSpan) && !TimeSpan.TryParse(value, invariant, out _) =>
                $"{section.Path} is not a duration; write hours:minutes:seconds, e.g. \"00:00:02\" for 2 seconds, " +
                "\"00:00:00.5\" for half a second, \"00:10:00\" for 10 minutes.",
            _ when type == typeof(int) && !int.TryParse(value, System.Globalization.NumberStyles.Integer, invariant, out _) =>
                $"{section.Path} is not a whole number; write digits only, e.g. 5000.",
            _ when type == typeof(bool) && !bool.TryParse(value, out _) =>
                $"{section.Path} is neither true nor false; write one of them.",
            _ => null,
        };
    }

    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only closes IEnumerable<> and IDictionary<,> over the type arguments of an options property, which exist in the program; checked under Native AOT (benchmarks/README.md).")]
    private static void WalkValue(IConfigurationSection section, Type type, bool reportUnknown, List<string> problems)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (ValueProblem(section, type) is { } problem)
        {
            problems.Add(problem);
            return;
        }
        if (type.IsEnum)
        {
            // The binder skips a map entry whose value is no member (Logging:LogLevel:Default = "Verbose") without a word.
            if (section.Value is { } value && !Enum.TryParse(type, value, ignoreCase: true, out _))
            {
                problems.Add($"{section.Path} is not one of {string.Join(", ", Enum.GetNames(type))}.");
            }
            return;
        }
        if (type.IsPrimitive || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(decimal) || type == typeof(Uri))
        {
            return;
        }
        if (DictionaryValueType(type) is { } valueType)
        {
            // A map (Logging:LogLevel): every key is allowed, each value is checked.
            if (!string.IsNullOrEmpty(section.Value))
            {
                problems.Add($"{section.Path} is a single value; it is a section of settings, written as {{ … }}.");
                return;
            }
            foreach (var item in section.GetChildren())
            {
                WalkValue(item, valueType, reportUnknown, problems);
            }
            return;
        }
        var element = type.IsGenericType && type.GetGenericArguments() is [var argument] && typeof(IEnumerable<>).MakeGenericType(argument).IsAssignableFrom(type)
            ? argument
            : null;
        // An empty JSON list or object also comes as a value (""): only a non-empty one is a mistake.
        if (!string.IsNullOrEmpty(section.Value))
        {
            problems.Add(element is null
                ? $"{section.Path} is a single value; it is a section of settings, written as {{ … }}."
                : $"{section.Path} is a single value; write it as a list, e.g. [ … ] (or {section.Path}:0 for one entry).");
            return;
        }
        if (element is null)
        {
            WalkObject(section.GetChildren(), type, reportUnknown, problems);
            return;
        }
        foreach (var item in section.GetChildren())
        {
            WalkValue(item, element, reportUnknown, problems);
        }
    }

    /// <summary>The value type of a dictionary with string keys, or null when <paramref name="type"/> is not one.</summary>
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only closes IEnumerable<> and IDictionary<,> over the type arguments of an options property, which exist in the program; checked under Native AOT (benchmarks/README.md).")]
    private static Type? DictionaryValueType(Type type) =>
        type.IsGenericType && type.GetGenericArguments() is [var key, var value] && key == typeof(string)
            && typeof(IDictionary<,>).MakeGenericType(key, value).IsAssignableFrom(type)
            ? value
            : null;
}
