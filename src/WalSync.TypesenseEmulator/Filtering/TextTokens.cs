namespace WalSync.TypesenseEmulator.Filtering;

/// <summary>Lower-cased word tokens of a text: a much simplified form of Typesense's tokenizer.</summary>
internal static class TextTokens
{
    /// <summary>Splits on anything that is not a letter or digit, lower-cased.</summary>
    public static string[] Of(string text)
    {
        var words = new List<string>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var isWord = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (isWord && start < 0)
            {
                start = i;
            }
            else if (!isWord && start >= 0)
            {
                words.Add(text[start..i].ToLowerInvariant());
                start = -1;
            }
        }

        return [.. words];
    }
}
