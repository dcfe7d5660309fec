using WalSync.TypesenseEmulator.Filtering;

namespace WalSync.Tests.TypesenseEmulator.Filtering;

/// <summary>Tokens and list values of <c>filter_by</c> as Typesense splits them.</summary>
public sealed class FilterTokenizerTests
{
    [Fact]
    public void Tokenize_OperatorsOutsideBackticks_SplitTokens()
    {
        var tokens = FilterTokenizer.Tokenize("(id:[`a&&b`,c] || price:>1) && count:2");

        Assert.Equal(["(", "id:[`a&&b`,c]", "||", "price:>1", ")", "&&", "count:2"], tokens);
    }

    [Fact]
    public void SplitValues_BackticksCommasAndSpaces_FollowTypesense()
    {
        var values = FilterTokenizer.SplitValues(" a , `b,c` , ` d ` ,e\\`f");

        Assert.Equal(["a", "b,c", "d", "e\\`f"], values);
    }
}
