namespace WalSync.LoadHarness;

/// <summary>Progress lines on standard error, so that standard output holds only the result tables.</summary>
internal static class Progress
{
    /// <summary>Writes <paramref name="message"/> with the time of day.</summary>
    public static void Say(string message) => Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss} {message}");
}
