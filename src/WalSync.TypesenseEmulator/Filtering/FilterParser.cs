using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator.Filtering;

/// <summary>
/// Parses <c>filter_by</c> like Typesense v29 (<c>filter::parse_filter_query()</c>, <c>toPostfix()</c>,
/// <c>toFilter()</c>): <c>&amp;&amp;</c> and <c>||</c> share one precedence, left to right; parentheses group.
/// Errors are 400 with Typesense's texts. Callers hold the collection's gate (the schema is read).
/// </summary>
/// <remarks>https://typesense.org/docs/29.0/api/search.html#filter-parameters</remarks>
internal static class FilterParser
{
    private const int MaxOperations = 100;

    /// <summary>Parses <paramref name="filter"/>; a blank filter gives a null node and no error.</summary>
    public static ApiError? Parse(string filter, EmulatorCollection collection, out FilterNode? node)
    {
        node = null;
        if (filter.Trim(' ').Length == 0)
        {
            return null;
        }

        var postfix = new List<string>();
        var operators = new Stack<string>();
        foreach (var token in FilterTokenizer.Tokenize(filter))
        {
            if (token is "&&" or "||")
            {
                while (operators.Count > 0 && operators.Peek() != "(")
                {
                    postfix.Add(operators.Pop());
                }

                operators.Push(token);
            }
            else if (token == "(")
            {
                operators.Push(token);
            }
            else if (token == ")")
            {
                while (operators.Count > 0 && operators.Peek() != "(")
                {
                    postfix.Add(operators.Pop());
                }

                if (operators.Count == 0)
                {
                    return Unbalanced();
                }

                operators.Pop();
            }
            else
            {
                postfix.Add(token);
            }
        }

        while (operators.Count > 0)
        {
            if (operators.Peek() == "(")
            {
                return Unbalanced();
            }

            postfix.Add(operators.Pop());
        }

        if (postfix.Count > MaxOperations)
        {
            return new ApiError(400, $"`filter_by` has too many operations. Maximum allowed: {MaxOperations}. Use `--filter-by-max-ops` command line argument to customize this value.");
        }

        var stack = new Stack<FilterNode>();
        foreach (var item in postfix)
        {
            if (item is "&&" or "||")
            {
                if (stack.Count < 2)
                {
                    return new ApiError(400, $"Could not parse the filter query: unbalanced `{item}` operands.");
                }

                var right = stack.Pop();
                stack.Push(new BinaryFilter(stack.Pop(), right, item == "&&"));
                continue;
            }

            if (ParseExpression(item, collection, out var leaf) is { } error)
            {
                return error;
            }

            stack.Push(leaf!);
        }

        if (stack.Count == 0)
        {
            return new ApiError(400, "Filter query cannot be empty.");
        }

        node = stack.Pop();
        return null;
    }

    private static ApiError Unbalanced() => new(400, "Could not parse the filter query: unbalanced parentheses.");

    private static ApiError? ParseExpression(string expression, EmulatorCollection collection, out FilterNode? node)
    {
        node = null;
        var colon = expression.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return new ApiError(400, "Could not parse the filter query.");
        }

        var name = expression[..colon].Trim(' ');
        var raw = expression[(colon + 1)..].Trim(' ');
        if (name == "id")
        {
            return ParseId(raw, out node);
        }

        var field = collection.FindField(name);
        if (field is null)
        {
            return new ApiError(400, $"Could not find a filter field named `{name}` in the schema.");
        }

        return field.ElementType switch
        {
            "int32" or "int64" or "float" => NumericFilterParser.Parse(field, raw, out node),
            "bool" => ParseBool(field, raw, out node),
            "string" => ParseString(field, raw, out node),
            _ => new ApiError(400, $"Error with filter field `{name}`: Unidentified field data type, see docs for supported data types."),
        };
    }

    private static ApiError? ParseId(string raw, out FilterNode? node)
    {
        node = null;
        var empty = new ApiError(400, "Error with filter field `id`: Filter value cannot be empty.");
        var negate = false;
        if (raw.StartsWith("!=", StringComparison.Ordinal))
        {
            negate = true;
            raw = raw[2..].TrimStart(' ');
        }
        else if (raw.StartsWith('='))
        {
            raw = raw[1..].TrimStart(' ');
        }

        if (raw.Length == 0)
        {
            return empty;
        }

        var isList = raw.StartsWith('[') && raw.EndsWith(']');
        var ids = FilterTokenizer.SplitValues(isList ? raw[1..^1] : raw);
        if (!isList && (ids.Count == 0 || ids[0].Length == 0))
        {
            return empty;
        }

        node = new IdFilter(isList ? ids : ids.Take(1), negate);
        return null;
    }

    private static ApiError? ParseBool(FieldDefinition field, string raw, out FilterNode? node)
    {
        node = null;
        var negate = ReadOperator(ref raw, out _);
        if (raw.Length == 0)
        {
            return new ApiError(400, $"Error with filter field `{field.Name}`: Filter value cannot be empty.");
        }

        var isList = raw.StartsWith('[') && raw.EndsWith(']');
        var values = isList ? [.. raw[1..^1].Split(',')] : new List<string> { raw };
        if (values.Any(v => v is not ("true" or "false")))
        {
            return new ApiError(400, isList
                ? $"Values of filter field `{field.Name}`: must be `true` or `false`."
                : $"Value of filter field `{field.Name}` must be `true` or `false`.");
        }

        node = new FieldFilter(field.Name, [.. values.Select(v => (FilterComparator.Equals, v))], negate);
        return null;
    }

    private static ApiError? ParseString(FieldDefinition field, string raw, out FilterNode? node)
    {
        node = null;
        var negate = ReadOperator(ref raw, out var exact);
        if (raw.Length == 0)
        {
            return new ApiError(400, $"Error with filter field `{field.Name}`: Filter value cannot be empty.");
        }

        var values = raw.StartsWith('[') && raw.EndsWith(']')
            ? FilterTokenizer.SplitValues(raw[1..^1])
            : FilterTokenizer.SplitValues(raw).Take(1).ToList();
        var comparator = exact || negate ? FilterComparator.Equals : FilterComparator.Contains;
        node = new FieldFilter(field.Name, [.. values.Select(v => (comparator, v))], negate);
        return null;
    }

    // Reads a leading "=" or "!=" and the spaces after it; returns true for "!=".
    private static bool ReadOperator(ref string raw, out bool exact)
    {
        exact = raw.StartsWith('=');
        var negate = raw.StartsWith("!=", StringComparison.Ordinal);
        if (exact || negate)
        {
            raw = raw[(negate ? 2 : 1)..].TrimStart(' ');
        }

        return negate;
    }
}
