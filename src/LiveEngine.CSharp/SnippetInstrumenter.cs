using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace LiveEngine.CSharp;

/// <summary>
/// Makes a snippet's script code stoppable (<see cref="SnippetBudget"/>): a <see cref="SnippetBudget.Check"/> at
/// the top of every loop body (while, do, for, foreach) and before every <c>goto</c>, a
/// <see cref="SnippetBudget.Enter"/> at the entry of every method, constructor, operator, accessor, local function,
/// lambda and anonymous method, and a <see cref="SnippetBudget.MayCatch"/> filter on every <c>catch</c>. Control thread.
/// </summary>
/// <remarks>
/// Design: every loop that does not end runs a body or jumps backwards, and every recursion enters a method or
/// lambda, so these points bound both (Go's and V8's preemption checks sit at the same places: loop back-edges and
/// function prologues). The instrumentation is a list of text edits on the typed snippet, found by walking its
/// syntax tree: it adds no line break, so lines stay as typed, and <see cref="SnippetSourceMap"/> maps a column
/// back past what was inserted before it. Each check carries the typed line and column of the loop or method it
/// guards. Expression bodies become blocks: a member's return type says whether the expression is returned; a
/// lambda's comes from the semantic model, which is bound only if the snippet has an expression-bodied lambda. A
/// lambda converted to an expression tree is left as it is (it is data, not code the snippet runs).
/// </remarks>
internal sealed class SnippetInstrumenter : CSharpSyntaxWalker
{
    private const string Budget = "global::LiveEngine.CSharp.SnippetBudget";

    private readonly SyntaxTree _tree;
    private readonly Lazy<SemanticModel> _model;
    private readonly List<(int Start, int Length, string Text)> _edits = [];

    private SnippetInstrumenter(SyntaxTree tree, Func<SemanticModel> model)
    {
        _tree = tree;
        _model = new Lazy<SemanticModel>(model, LazyThreadSafetyMode.None);
    }

    /// <summary>
    /// The instrumented text of <paramref name="tree"/> and the map back to the typed text. <paramref name="model"/>
    /// gives the semantic model of <paramref name="tree"/> in its compilation; it is called only when needed.
    /// </summary>
    public static (string Text, SnippetSourceMap Map) Instrument(SyntaxTree tree, Func<SemanticModel> model)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(model);
        var walker = new SnippetInstrumenter(tree, model);
        walker.Visit(tree.GetRoot());

        // Edits in text order; at one position an insertion goes before a replacement, else the walk's order (an
        // outer construct's edit first) holds: a stable sort.
        var edits = walker._edits.Select((e, i) => (Edit: e, Order: i))
            .OrderBy(e => e.Edit.Start).ThenBy(e => e.Edit.Length > 0 ? 1 : 0).ThenBy(e => e.Order)
            .Select(e => e.Edit).ToList();
        SourceText typed = tree.GetText();
        string text = typed.ToString();
        var builder = new StringBuilder(text.Length + (edits.Count * 48));
        var placed = new (int Start, int Length, int TypedStart, int TypedLength)[edits.Count];
        int position = 0;
        for (int i = 0; i < edits.Count; i++)
        {
            (int start, int length, string inserted) = edits[i];
            builder.Append(text, position, start - position);
            placed[i] = (builder.Length, inserted.Length, start, length);
            builder.Append(inserted);
            position = start + length;
        }

        builder.Append(text, position, text.Length - position);
        string instrumented = builder.ToString();
        return (instrumented, new SnippetSourceMap(typed, SourceText.From(instrumented), placed));
    }

    public override void VisitWhileStatement(WhileStatementSyntax node)
    {
        Guard(node.Statement, Call("Check", node.WhileKeyword));
        base.VisitWhileStatement(node);
    }

    public override void VisitDoStatement(DoStatementSyntax node)
    {
        Guard(node.Statement, Call("Check", node.DoKeyword));
        base.VisitDoStatement(node);
    }

    public override void VisitForStatement(ForStatementSyntax node)
    {
        Guard(node.Statement, Call("Check", node.ForKeyword));
        base.VisitForStatement(node);
    }

    public override void VisitForEachStatement(ForEachStatementSyntax node)
    {
        Guard(node.Statement, Call("Check", node.ForEachKeyword));
        base.VisitForEachStatement(node);
    }

    public override void VisitForEachVariableStatement(ForEachVariableStatementSyntax node)
    {
        Guard(node.Statement, Call("Check", node.ForEachKeyword));
        base.VisitForEachVariableStatement(node);
    }

    /// <summary><c>goto</c>, <c>goto case</c> and <c>goto default</c>: every backward jump is one of them.</summary>
    public override void VisitGotoStatement(GotoStatementSyntax node)
    {
        Wrap(node, Call("Check", node.GotoKeyword));
        base.VisitGotoStatement(node);
    }

    public override void VisitCatchClause(CatchClauseSyntax node)
    {
        if (node.Filter is { } filter)
        {
            Insert(filter.OpenParenToken.Span.End, Budget + ".MayCatch() && (");
            Insert(filter.CloseParenToken.SpanStart, ")");
        }
        else
        {
            Insert(node.Declaration?.Span.End ?? node.CatchKeyword.Span.End, " when (" + Budget + ".MayCatch())");
        }

        base.VisitCatchClause(node);
    }

    public override void VisitMethodDeclaration(MethodDeclarationSyntax node)
    {
        Body(node.Body, node.ExpressionBody, node.SemicolonToken, Call("Enter", node.Identifier), Returns(node.ReturnType, node.Modifiers));
        base.VisitMethodDeclaration(node);
    }

    public override void VisitLocalFunctionStatement(LocalFunctionStatementSyntax node)
    {
        Body(node.Body, node.ExpressionBody, node.SemicolonToken, Call("Enter", node.Identifier), Returns(node.ReturnType, node.Modifiers));
        base.VisitLocalFunctionStatement(node);
    }

    public override void VisitConstructorDeclaration(ConstructorDeclarationSyntax node)
    {
        Body(node.Body, node.ExpressionBody, node.SemicolonToken, Call("Enter", node.Identifier), returns: false);
        base.VisitConstructorDeclaration(node);
    }

    public override void VisitDestructorDeclaration(DestructorDeclarationSyntax node)
    {
        Body(node.Body, node.ExpressionBody, node.SemicolonToken, Call("Enter", node.Identifier), returns: false);
        base.VisitDestructorDeclaration(node);
    }

    public override void VisitOperatorDeclaration(OperatorDeclarationSyntax node)
    {
        Body(node.Body, node.ExpressionBody, node.SemicolonToken, Call("Enter", node.OperatorToken), Returns(node.ReturnType, node.Modifiers));
        base.VisitOperatorDeclaration(node);
    }

    public override void VisitConversionOperatorDeclaration(ConversionOperatorDeclarationSyntax node)
    {
        Body(node.Body, node.ExpressionBody, node.SemicolonToken, Call("Enter", node.OperatorKeyword), returns: true);
        base.VisitConversionOperatorDeclaration(node);
    }

    public override void VisitAccessorDeclaration(AccessorDeclarationSyntax node)
    {
        Body(node.Body, node.ExpressionBody, node.SemicolonToken, Call("Enter", node.Keyword), returns: node.IsKind(SyntaxKind.GetAccessorDeclaration));
        base.VisitAccessorDeclaration(node);
    }

    /// <summary><c>int P =&gt; x;</c> becomes <c>int P { get { Enter(…); return x; } }</c>.</summary>
    public override void VisitPropertyDeclaration(PropertyDeclarationSyntax node)
    {
        if (node.ExpressionBody is { } arrow)
        {
            Getter(arrow, node.SemicolonToken, Call("Enter", node.Identifier));
        }

        base.VisitPropertyDeclaration(node);
    }

    public override void VisitIndexerDeclaration(IndexerDeclarationSyntax node)
    {
        if (node.ExpressionBody is { } arrow)
        {
            Getter(arrow, node.SemicolonToken, Call("Enter", node.ThisKeyword));
        }

        base.VisitIndexerDeclaration(node);
    }

    public override void VisitAnonymousMethodExpression(AnonymousMethodExpressionSyntax node)
    {
        Insert(node.Block.OpenBraceToken.Span.End, Call("Enter", node.DelegateKeyword));
        base.VisitAnonymousMethodExpression(node);
    }

    public override void VisitSimpleLambdaExpression(SimpleLambdaExpressionSyntax node)
    {
        if (Lambda(node))
        {
            base.VisitSimpleLambdaExpression(node);
        }
    }

    public override void VisitParenthesizedLambdaExpression(ParenthesizedLambdaExpressionSyntax node)
    {
        if (Lambda(node))
        {
            base.VisitParenthesizedLambdaExpression(node);
        }
    }

    /// <summary>Instruments a lambda; false for one that is left alone (an expression tree, or one the compiler reports as an error).</summary>
    private bool Lambda(LambdaExpressionSyntax lambda)
    {
        string enter = Call("Enter", lambda.ArrowToken);
        if (lambda.Block is { } block)
        {
            Insert(block.OpenBraceToken.Span.End, enter);
            return true;
        }

        if (lambda.ExpressionBody is not { } expression || LambdaReturns(lambda) is not { } returns)
        {
            return false;
        }

        Insert(expression.SpanStart, "{" + enter + (returns && expression is not ThrowExpressionSyntax ? " return " : " "));
        Insert(expression.Span.End, "; }");
        return true;
    }

    /// <summary>Whether a lambda's expression body is its return value (else it is a statement: a void or async Task lambda); null for an expression tree.</summary>
    private bool? LambdaReturns(LambdaExpressionSyntax lambda)
    {
        SemanticModel model = _model.Value;
        if (model.GetTypeInfo(lambda).ConvertedType is INamedTypeSymbol { Name: "Expression", ContainingNamespace: { } ns }
            && ns.ToDisplayString() == "System.Linq.Expressions")
        {
            return null;
        }

        if (model.GetSymbolInfo(lambda).Symbol is not IMethodSymbol method)
        {
            return null;
        }

        return !method.ReturnsVoid && !(method.IsAsync && method.ReturnType is INamedTypeSymbol { IsGenericType: false, Name: "Task" or "ValueTask" });
    }

    /// <summary>Whether a member with this return type returns its expression body (not for void, nor for an async method returning plain Task).</summary>
    private static bool Returns(TypeSyntax returnType, SyntaxTokenList modifiers)
    {
        if (returnType is PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.VoidKeyword })
        {
            return false;
        }

        string name = returnType switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
            _ => "",
        };
        return !(modifiers.Any(SyntaxKind.AsyncKeyword) && name is "Task" or "ValueTask");
    }

    /// <summary>A block body gets <paramref name="enter"/> first; an expression body <c>=&gt; x;</c> becomes <c>{ enter; return x; }</c> (or <c>{ enter; x; }</c>).</summary>
    private void Body(BlockSyntax? block, ArrowExpressionClauseSyntax? arrow, SyntaxToken semicolon, string enter, bool returns)
    {
        if (block is not null)
        {
            Insert(block.OpenBraceToken.Span.End, enter);
        }
        else if (arrow is not null && !semicolon.IsMissing)
        {
            bool statement = !returns || arrow.Expression is ThrowExpressionSyntax;
            Replace(arrow.ArrowToken.Span, "{" + enter + (statement ? " " : " return "));
            Replace(semicolon.Span, "; }");
        }
    }

    private void Getter(ArrowExpressionClauseSyntax arrow, SyntaxToken semicolon, string enter)
    {
        if (!semicolon.IsMissing)
        {
            Replace(arrow.ArrowToken.Span, "{ get {" + enter + (arrow.Expression is ThrowExpressionSyntax ? " " : " return "));
            Replace(semicolon.Span, "; } }");
        }
    }

    /// <summary>Puts <paramref name="check"/> at the top of a loop body, in braces of its own if it has none.</summary>
    private void Guard(StatementSyntax body, string check)
    {
        if (body is BlockSyntax block)
        {
            Insert(block.OpenBraceToken.Span.End, check);
        }
        else
        {
            Wrap(body, check);
        }
    }

    private void Wrap(StatementSyntax statement, string check)
    {
        Insert(statement.SpanStart, "{" + check);
        Insert(statement.Span.End, "}");
    }

    private void Insert(int position, string text) => _edits.Add((position, 0, text));

    private void Replace(TextSpan span, string text) => _edits.Add((span.Start, span.Length, text));

    /// <summary><c>SnippetBudget.Check(line, column);</c> (or Enter) for <paramref name="at"/>'s typed position.</summary>
    private string Call(string method, SyntaxToken at)
    {
        LinePosition start = _tree.GetLineSpan(at.Span).StartLinePosition;
        return string.Create(CultureInfo.InvariantCulture, $" {Budget}.{method}({start.Line + 1}, {start.Character + 1});");
    }
}
